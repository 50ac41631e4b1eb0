using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Engine;

/// <summary>
/// The customer summaries a rule's trigger can have caught by <c>asOf</c>, read through the (tenant, status, last
/// activity) index: one query per status, so that the time condition is a range scan and the cost follows the
/// customers near or past the window, not all customers. The sweep and the preview share it; the domain
/// (<see cref="RuleAudience"/>) makes the exact call per customer.
/// </summary>
[Published]
public static class LapseCandidates
{
    // Customers in an open lapse episode are the engine's already; they cannot lapse again.
    private static readonly CustomerStatus[] CanLapse = [CustomerStatus.Active, CustomerStatus.Cancelled, CustomerStatus.WonBack];

    public static IEnumerable<CustomerStatus> StatusesFor(RuleDefinition rule) =>
        rule.Trigger.Type == TriggerType.Cancellation ? [CustomerStatus.Cancelled] : CanLapse;

    public static IQueryable<CustomerSummary> Query(IQuerySession session, RuleDefinition rule, CustomerStatus status, DateTimeOffset asOf)
    {
        // The shortest window of any arm (the holdout uses the rule's own) bounds who can have crossed by asOf.
        var shortest = rule.Arms.Select(a => rule.TriggerDaysOf(a)).Append(rule.Trigger.Days).Min();
        var cutoff = asOf.AddDays(-shortest);
        var query = session.Query<CustomerSummary>().Where(c => c.State.Status == status);
        return rule.Trigger switch
        {
            { Type: TriggerType.Cancellation } => query.Where(c => c.State.StatusChangedAt <= cutoff),
            { Type: TriggerType.NeverPurchased } => query.Where(c => c.State.FirstSeenAt <= cutoff && c.State.LastPurchaseAt == null),
            { ActivityTypes.Count: 0 } => query.Where(c => c.State.LastActivityAt <= cutoff),
            { ActivityTypes: [ActivityType.Purchase] } => query.Where(c => c.State.LastPurchaseAt <= cutoff),
            // Other subsets of activity types have no column of their own; the domain check sorts these out.
            _ => query,
        };
    }
}
