using WinBack.Domain.Rules;

namespace WinBack.Domain.Customers;

/// <summary>An active rule as a sweep applies it; <see cref="Budget"/> is shared by all of the sweep's decisions for the rule.</summary>
/// <param name="ActiveSince">When the rule was last activated: a moment rule fires no moment from before.</param>
public sealed record ActiveRule(string Id, int Version, RuleDefinition Definition, BudgetMeter Budget, DateTimeOffset? ActiveSince = null);

/// <summary>
/// A sweep's question about one customer at <paramref name="Now"/>. <paramref name="Rules"/> are the tenant's active
/// rules, highest priority first. The ids are minted by the caller, so that the decider stays pure. <paramref name="Context"/>
/// carries the tenant's purchase model for at-risk rules (none: nobody is at risk).
/// </summary>
public sealed record DetectLapse(string TenantId, IReadOnlyList<ActiveRule> Rules, string EpisodeId, string RewardId, DateTimeOffset Now,
    TriggerContext? Context = null);

/// <summary>
/// Opens a lapse episode when a customer has crossed an active rule's window, and issues or withholds the reward.
/// Rules are tried by priority and the first whose eligibility the customer meets wins; when none does, the episode
/// opens under the highest-priority rule crossed, with the reward withheld as ineligible, so that reports count it.
/// Moment rules are not win-back: they are decided apart (<see cref="MomentDecider"/>), when no lapse is.
/// </summary>
public static class LapseDecider
{
    // A refund or a cancellation resets the inactivity clock, but it is not a customer coming back.
    private static readonly IReadOnlyList<ActivityType> AnyReturn =
        [ActivityType.Purchase, ActivityType.Login, ActivityType.SubscriptionStarted, ActivityType.Custom];

    public static IReadOnlyList<ICustomerEvent> Decide(DetectLapse command, Customer? customer)
    {
        if (customer is null)
            return [];
        return DecideLapse(command, customer) is { Count: > 0 } lapse ? lapse : MomentDecider.Decide(command, customer);
    }

    private static IReadOnlyList<ICustomerEvent> DecideLapse(DetectLapse command, Customer customer)
    {
        // A customer is in at most one open episode.
        if (customer.Episode is not null)
            return [];
        Crossed? first = null, chosen = null;
        foreach (var rule in command.Rules)
        {
            if (Moments.IsMoment(rule.Definition.Trigger.Type))
                continue;
            var arm = ExperimentAssignment.ArmFor(command.TenantId, rule.Id, customer.Id, rule.Definition);
            var days = rule.Definition.TriggerDaysOf(arm);
            if (RuleAudience.CrossingAt(rule.Definition.Trigger, days, customer, command.Context) is not { } crossing || crossing > command.Now)
                continue;
            var candidate = new Crossed(rule, arm, crossing, RuleAudience.WindowOf(rule.Definition.Trigger, days, customer));
            first ??= candidate;
            if (RuleAudience.Check(rule.Definition.Eligibility, customer, command.Now) is null)
            {
                chosen = candidate;
                break;
            }
        }
        if ((chosen ?? first) is not { } crossed)
            return [];

        var definition = crossed.Rule.Definition;
        var lapsed = new CustomerLapsed(customer.Id, command.EpisodeId, crossed.Rule.Id, crossed.Rule.Version,
            crossed.Arm?.Name ?? Variant.Holdout,
            definition.Trigger.Type switch
            {
                TriggerType.NeverPurchased => null,
                // An at-risk crossing counts from the last purchase, not from a window of days.
                TriggerType.AtRisk => customer.LastPurchaseAt,
                _ => crossed.At - crossed.Window!.Length,
            },
            crossed.At, command.Now, ReturnTypes(definition.Trigger), customer.ChurnReason, customer.Attributes, definition.AttributionDays);

        var withheld = chosen is null ? WithheldReason.Ineligible : Withheld(crossed.Rule, crossed.Arm, customer, command.Now);
        if (withheld is { } reason)
            return [lapsed, new RewardWithheld(customer.Id, command.EpisodeId, crossed.Rule.Id, reason, command.Now)];

        return [lapsed, Issue(command, customer.Id, crossed.Rule, crossed.Arm!, crossed.Window)];
    }

    /// <summary>The activity types whose next occurrence counts as the customer's return from a rule's lapse.</summary>
    public static IReadOnlyList<ActivityType> ReturnTypes(Trigger trigger) => trigger.Type switch
    {
        TriggerType.Cancellation => [ActivityType.SubscriptionStarted, ActivityType.Purchase],
        TriggerType.NeverPurchased or TriggerType.AtRisk => [ActivityType.Purchase],
        _ => trigger.ActivityTypes.Count > 0 ? trigger.ActivityTypes : AnyReturn,
    };

    // The guard rails, in the order reports name them: holdout, cooldown, per-customer cap, then budget, which is
    // checked last because checking it spends it.
    internal static WithheldReason? Withheld(ActiveRule rule, Variant? arm, Customer customer, DateTimeOffset now)
    {
        if (arm is null)
            return WithheldReason.Holdout;
        var limits = rule.Definition.Limits;
        if (limits.CooldownDays is { } days && customer.LastRewardedAt is { } last && last.AddDays(days) > now)
            return WithheldReason.Cooldown;
        if (limits.MaxRewardsPerCustomer is { } max && customer.RewardsByRule.GetValueOrDefault(rule.Id) >= max)
            return WithheldReason.PerCustomerCap;
        if (!rule.Budget.TrySpend(rule.Definition.RewardOf(arm).Credit))
            return WithheldReason.Budget;
        return null;
    }

    /// <summary>The reward a rule's arm issues for an episode (a lapse's or a moment's).</summary>
    internal static RewardIssued Issue(DetectLapse command, string customerId, ActiveRule rule, Variant arm, LapseWindow? window)
    {
        var reward = rule.Definition.RewardOf(arm);
        return new RewardIssued(customerId, command.RewardId, command.EpisodeId, rule.Id, rule.Version, arm.Name,
            reward.Type, reward.Credit?.Amount, reward.Credit?.Currency, reward.Percent, reward.Uses, reward.Sku, reward.Payload,
            command.Now, command.Now.AddDays(reward.ExpiresInDays), reward.Grant, Note: null, window);
    }

    private sealed record Crossed(ActiveRule Rule, Variant? Arm, DateTimeOffset At, LapseWindow? Window);
}
