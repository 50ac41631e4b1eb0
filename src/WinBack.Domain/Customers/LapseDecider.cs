using WinBack.Domain.Rules;

namespace WinBack.Domain.Customers;

/// <summary>An active rule as a sweep applies it; <see cref="Budget"/> is shared by all of the sweep's decisions for the rule.</summary>
public sealed record ActiveRule(string Id, int Version, RuleDefinition Definition, BudgetMeter Budget);

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
/// </summary>
public static class LapseDecider
{
    // A refund or a cancellation resets the inactivity clock, but it is not a customer coming back.
    private static readonly IReadOnlyList<ActivityType> AnyReturn =
        [ActivityType.Purchase, ActivityType.Login, ActivityType.SubscriptionStarted, ActivityType.Custom];

    public static IReadOnlyList<ICustomerEvent> Decide(DetectLapse command, Customer? customer)
    {
        // A customer is in at most one open episode.
        if (customer is null || customer.Episode is not null)
            return [];
        Crossed? first = null, chosen = null;
        foreach (var rule in command.Rules)
        {
            var arm = ExperimentAssignment.ArmFor(command.TenantId, rule.Id, customer.Id, rule.Definition);
            var days = rule.Definition.TriggerDaysOf(arm);
            if (RuleAudience.CrossingAt(rule.Definition.Trigger, days, customer, command.Context) is not { } crossing || crossing > command.Now)
                continue;
            var candidate = new Crossed(rule, arm, crossing, RuleAudience.WindowOf(rule.Definition.Trigger, days, customer));
            first ??= candidate;
            if (RuleAudience.Check(rule.Definition.Eligibility, customer) is null)
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

        var withheld = chosen is null ? WithheldReason.Ineligible : Withheld(command, customer, crossed);
        if (withheld is { } reason)
            return [lapsed, new RewardWithheld(customer.Id, command.EpisodeId, crossed.Rule.Id, reason, command.Now)];

        var reward = definition.RewardOf(crossed.Arm!);
        return
        [
            lapsed,
            new RewardIssued(customer.Id, command.RewardId, command.EpisodeId, crossed.Rule.Id, crossed.Rule.Version, crossed.Arm!.Name,
                reward.Type, reward.Credit?.Amount, reward.Credit?.Currency, reward.Percent, reward.Uses, reward.Sku, reward.Payload,
                command.Now, command.Now.AddDays(reward.ExpiresInDays), reward.Grant, Note: null, crossed.Window),
        ];
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
    private static WithheldReason? Withheld(DetectLapse command, Customer customer, Crossed crossed)
    {
        if (crossed.Arm is null)
            return WithheldReason.Holdout;
        var limits = crossed.Rule.Definition.Limits;
        if (limits.CooldownDays is { } days && customer.LastRewardedAt is { } last && last.AddDays(days) > command.Now)
            return WithheldReason.Cooldown;
        if (limits.MaxRewardsPerCustomer is { } max && customer.RewardsByRule.GetValueOrDefault(crossed.Rule.Id) >= max)
            return WithheldReason.PerCustomerCap;
        if (!crossed.Rule.Budget.TrySpend(crossed.Rule.Definition.RewardOf(crossed.Arm).Credit))
            return WithheldReason.Budget;
        return null;
    }

    private sealed record Crossed(ActiveRule Rule, Variant? Arm, DateTimeOffset At, LapseWindow? Window);
}
