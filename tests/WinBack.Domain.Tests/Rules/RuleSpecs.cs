using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Tests.Rules;

/// <summary>Rule definitions and states the rule specs build on.</summary>
internal static class RuleSpecs
{
    public static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-24T09:00:00Z");
    public const string Admin = "key_admin";

    public static RuleDefinition Definition(int priority = 10, int days = 90, Eligibility? eligibility = null,
        TriggerType trigger = TriggerType.Inactivity, IReadOnlyList<ActivityType>? types = null, Limits? limits = null,
        Experiment? experiment = null, long credit = 1000) =>
        new("90-day win-back", priority, new Trigger(trigger, days, types ?? []), eligibility ?? Eligibility.Everyone,
            new RewardSpec(RewardType.AccountCredit, new Money(credit, "eur"), null, null, null, null, 30, RewardGrant.Immediate),
            limits ?? Limits.None, experiment, null, RuleDefinition.DefaultAttributionDays);

    public static Rule Fold(params IRuleEvent[] events) =>
        events.Aggregate((Rule?)null, (state, e) => Rule.Evolve(state, e))!;

    public static Rule InStatus(RuleStatus status) => Fold(History(status));

    /// <summary>The events that bring a rule to a status.</summary>
    public static IRuleEvent[] History(RuleStatus status)
    {
        var created = new RuleCreated("rule_1", Definition(), Admin, Now.AddDays(-3));
        var activated = new RuleActivated("rule_1", Admin, Now.AddDays(-2));
        return status switch
        {
            RuleStatus.Draft => [created],
            RuleStatus.Active => [created, activated],
            RuleStatus.Paused => [created, activated, new RulePaused("rule_1", Admin, Now.AddDays(-1))],
            _ => [created, new RuleArchived("rule_1", Admin, Now.AddDays(-1))],
        };
    }

    public static Customer Customer(string id, DateTimeOffset lastActivity, int orders = 0, long value = 0,
        IReadOnlyDictionary<string, string>? attributes = null) => new()
    {
        Id = id, FirstSeenAt = lastActivity.AddDays(-500), LastActivityAt = lastActivity,
        LastPurchaseAt = orders > 0 ? lastActivity : null, RecordedOrderCount = orders,
        RecordedLifetimeValue = value > 0 ? new Dictionary<string, long> { ["eur"] = value } : new Dictionary<string, long>(),
        Attributes = attributes ?? new Dictionary<string, string>(),
    };
}
