using WinBack.Domain.Common;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Customers;

/// <summary>A cancel attempt asks for a save offer; <paramref name="Rules"/> are the tenant's active rules, highest priority first.</summary>
public sealed record PresentSaveOffer(string TenantId, string OfferId, string SubscriptionId, ChurnReason Reason, IReadOnlyList<ActiveRule> Rules,
    DateTimeOffset Now);

/// <param name="PushToStripe">Whether the tenant's Stripe connection will apply a pause or trial extension (else the product does).</param>
public sealed record AcceptSaveOffer(string OfferId, string RewardId, bool PushToStripe, DateTimeOffset Now);

public sealed record DeclineSaveOffer(string OfferId, DateTimeOffset Now);

/// <summary>
/// Save offers at cancellation, on the customer stream. The offer comes from the highest-priority active cancellation_intent rule whose
/// eligibility matches the stated reason (and the customer); its holdout gets none and is followed for comparison. A customer cannot
/// farm saves: within the rule's cooldown, counted from the end of the last accepted pause, trial extension, or the accept for other
/// rewards, the offer is withheld (cooldown), as are offers past the rule's per-customer cap or budget.
/// </summary>
public static class SaveOfferDecider
{
    public const int ValidationDays = 30;
    /// <summary>Stripe's pause_collection behavior for a paused subscription: its invoices are voided until it resumes.</summary>
    public const string PauseBehavior = "void";
    public const string AlreadyAccepted = "save_offer_already_accepted";
    public const string NotOpen = "save_offer_not_open";
    public const string Capped = "save_offer_capped";

    public static IReadOnlyList<ICustomerEvent> Decide(PresentSaveOffer command, Customer customer)
    {
        // One offer per cancel attempt: an offer still awaiting an answer for the subscription is the answer again.
        if (customer.SaveOffers.Any(o => o.Status == SaveOfferStatus.Presented && o.Presented.SubscriptionId == command.SubscriptionId))
            return [];
        var asked = customer with { ChurnReason = command.Reason };
        var rule = command.Rules.FirstOrDefault(r => r.Definition.Trigger.Type == TriggerType.CancellationIntent
                                                     && RuleAudience.Check(r.Definition.Eligibility, asked, command.Now) is null);
        if (rule is null)
            return [Presented(command, customer, null, null, null, null)];
        var arm = ExperimentAssignment.ArmFor(command.TenantId, rule.Id, customer.Id, rule.Definition);
        var withheld = arm is null ? WithheldReason.Holdout : Withheld(rule, rule.Definition.RewardOf(arm), customer, command.Now);
        return [Presented(command, customer, rule, arm?.Name ?? Variant.Holdout, withheld is null ? rule.Definition.RewardOf(arm!) : null, withheld)];
    }

    /// <summary>Issues the offer's reward with the accept; a second accept is refused (409) and changes nothing.</summary>
    public static IReadOnlyList<ICustomerEvent> Decide(AcceptSaveOffer command, Customer customer, SaveOfferState offer)
    {
        if (offer.Status is SaveOfferStatus.Accepted or SaveOfferStatus.Saved or SaveOfferStatus.Lost)
            throw DomainRuleViolated.Conflict(AlreadyAccepted, $"Save offer {offer.Id} was already accepted; its reward was issued once.");
        if (offer is not { Status: SaveOfferStatus.Presented, Presented.Offer: { } reward })
            throw DomainRuleViolated.Conflict(NotOpen, $"Save offer {offer.Id} is {Wire(offer.Status)}; only a presented offer can be accepted.");
        // Another save accepted since this offer was presented counts against the cap too.
        if (offer.Presented.CooldownDays is { } days && customer.SaveCapFrom is { } from && from.AddDays(days) > command.Now)
            throw DomainRuleViolated.Conflict(Capped, $"Another save was accepted within the rule's cooldown of {days} days (counted from {from:yyyy-MM-ddTHH:mm:ssZ}).");
        var p = offer.Presented;
        var endsAt = reward.ChangesSubscription() ? command.Now.AddDays(reward.Days!.Value) : (DateTimeOffset?)null;
        var validatesAt = Max(command.Now.AddDays(ValidationDays), endsAt ?? command.Now);
        var issued = new RewardIssued(customer.Id, command.RewardId, EpisodeId: null, p.RuleId, p.RuleVersion, p.Variant, reward.Type,
            reward.Credit?.Amount, reward.Credit?.Currency, reward.Percent, reward.Uses, reward.Sku, reward.Payload, command.Now,
            endsAt ?? command.Now.AddDays(reward.ExpiresInDays), RewardGrant.Immediate, $"Save offer {p.OfferId}", Days: reward.Days);
        return [issued, new SaveOfferAccepted(customer.Id, p.OfferId, command.RewardId, p.SubscriptionId, reward.Type, reward.Days, command.Now,
            endsAt, validatesAt, command.PushToStripe && reward.ChangesSubscription())];
    }

    /// <summary>Records the refusal; declining again changes nothing.</summary>
    public static IReadOnlyList<ICustomerEvent> Decide(DeclineSaveOffer command, Customer customer, SaveOfferState offer) => offer.Status switch
    {
        SaveOfferStatus.Declined => [],
        SaveOfferStatus.Presented => [new SaveOfferDeclined(customer.Id, offer.Id, command.Now)],
        SaveOfferStatus.Accepted or SaveOfferStatus.Saved or SaveOfferStatus.Lost =>
            throw DomainRuleViolated.Conflict(AlreadyAccepted, $"Save offer {offer.Id} was already accepted."),
        _ => throw DomainRuleViolated.Conflict(NotOpen, $"Save offer {offer.Id} is {Wire(offer.Status)}; only a presented offer can be declined."),
    };

    /// <summary>
    /// Settles every accepted (and holdout) offer whose outcome is due by <paramref name="now"/>: lost if the customer cancelled after the
    /// accept (the presentation) and before validation; saved once 30 days have passed and, after a pause or trial extension, a payment
    /// came after its end (then at that payment, if later). A save still waiting for that payment stays open.
    /// </summary>
    public static IReadOnlyList<ICustomerEvent> Settle(Customer customer, DateTimeOffset now)
    {
        var events = new List<ICustomerEvent>();
        var cancelledAt = customer.LastActivityByType.GetValueOrDefault(ActivityType.SubscriptionCancelled) as DateTimeOffset?;
        foreach (var offer in customer.SaveOffers)
        {
            if (offer.ValidatesAt is not { } due || due > now)
                continue;
            var from = offer.Accepted?.AcceptedAt ?? offer.Presented.PresentedAt;
            var savedAt = offer.Accepted is { EndsAt: { } end } ? PaidSince(customer, end) is { } paid ? Max(due, paid) : (DateTimeOffset?)null : due;
            if (cancelledAt is { } cancelled && cancelled > from && (savedAt is null || cancelled <= savedAt))
                events.Add(new SaveOfferLost(customer.Id, offer.Id, cancelled));
            else if (savedAt is { } saved && saved <= now)
                events.Add(new SaveOfferValidated(customer.Id, offer.Id, saved, Revenue(offer.ValueAtPresentation, customer.RecordedLifetimeValue),
                    offer.Status == SaveOfferStatus.Holdout));
        }
        return events;
    }

    // The guard rails in the order reports name them: the cap between saves (cooldown), the per-customer cap, then the budget.
    private static WithheldReason? Withheld(ActiveRule rule, RewardSpec reward, Customer customer, DateTimeOffset now)
    {
        var limits = rule.Definition.Limits;
        if (limits.CooldownDays is { } days && customer.SaveCapFrom is { } from && from.AddDays(days) > now)
            return WithheldReason.Cooldown;
        if (limits.MaxRewardsPerCustomer is { } max && customer.RewardsByRule.GetValueOrDefault(rule.Id) >= max)
            return WithheldReason.PerCustomerCap;
        return rule.Budget.TrySpend(reward.Credit) ? null : WithheldReason.Budget;
    }

    private static SaveOfferPresented Presented(PresentSaveOffer c, Customer customer, ActiveRule? rule, string? variant, RewardSpec? offer,
        WithheldReason? withheld) =>
        new(customer.Id, c.OfferId, c.SubscriptionId, c.Reason, rule?.Id, rule?.Version, variant, offer, withheld,
            rule?.Definition.Limits.CooldownDays, c.Now);

    private static DateTimeOffset? PaidSince(Customer customer, DateTimeOffset since) =>
        customer.RecentPurchases.Where(t => t >= since).Select(t => (DateTimeOffset?)t).FirstOrDefault();

    private static IReadOnlyDictionary<string, long> Revenue(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> now) =>
        now.Select(v => (v.Key, Amount: Money.Sum(v.Value, Money.Negate(before.GetValueOrDefault(v.Key)))))
            .Where(v => v.Amount != 0).ToDictionary(v => v.Key, v => v.Amount);

    private static string Wire(SaveOfferStatus status) => status.ToString().ToLowerInvariant();

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
}
