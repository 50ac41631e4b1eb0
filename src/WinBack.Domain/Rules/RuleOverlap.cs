using WinBack.Domain.Customers;

namespace WinBack.Domain.Rules;

/// <summary>
/// Two active rules with the same priority would leave "which one wins" to chance for a customer both could
/// catch. They may run together only when their audiences provably cannot meet; in doubt, they overlap.
/// </summary>
public static class RuleOverlap
{
    /// <remarks>
    /// Moment rules never overlap: each fires its own moments, and none competes with a win-back rule. A cancellation_intent rule
    /// competes only with another one, for the same cancel attempt.
    /// </remarks>
    public static bool Overlaps(RuleDefinition a, RuleDefinition b) =>
        a.Priority == b.Priority && !Moments.IsMoment(a.Trigger.Type) && !Moments.IsMoment(b.Trigger.Type)
        && (a.Trigger.Type == TriggerType.CancellationIntent) == (b.Trigger.Type == TriggerType.CancellationIntent) && !Disjoint(a, b) && !Disjoint(b, a);

    private static bool Disjoint(RuleDefinition a, RuleDefinition b) =>
        DisjointChurnReasons(a.Eligibility, b.Eligibility)
        || a.Eligibility.Attributes.Any(x => b.Eligibility.Attributes.TryGetValue(x.Key, out var other) && other != x.Value)
        || (a.Eligibility.MaxLifetimeValue is { } max && b.Eligibility.MinLifetimeValue is { } min
            && max.Currency == min.Currency && max.Amount < min.Amount)
        || (a.Trigger.Type == TriggerType.NeverPurchased && RequiresPurchase(b));

    private static bool DisjointChurnReasons(Eligibility a, Eligibility b) =>
        a.ChurnReasons.Count > 0 && b.ChurnReasons.Count > 0 && !a.ChurnReasons.Intersect(b.ChurnReasons).Any();

    // A never_purchased customer has no orders and no purchase; an at-risk one has at least two.
    private static bool RequiresPurchase(RuleDefinition rule) =>
        rule.Eligibility.MinOrderCount is > 0 || rule.Trigger.Type == TriggerType.AtRisk
        || (rule.Trigger.Type == TriggerType.Inactivity && rule.Trigger.ActivityTypes is [ActivityType.Purchase]);
}
