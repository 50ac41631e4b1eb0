using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

/// <summary>
/// Feeds a rule preview from the customer summaries, reading only the customers the rule's trigger can catch
/// by asOf. Inactivity over all types is a range scan of the (tenant, status, last activity) index; the other
/// triggers use the index's (tenant, status) prefix and filter. Nothing is written.
/// </summary>
public static class RulePreviewQuery
{
    // Customers in an open lapse episode are the engine's already; they cannot lapse again.
    private static readonly CustomerStatus[] CanLapse = [CustomerStatus.Active, CustomerStatus.Cancelled, CustomerStatus.WonBack];

    public static async Task<RulePreviewResult> RunAsync(IQuerySession session, string tenantId, string ruleId, RuleDefinition rule,
        DateTimeOffset asOf, CancellationToken ct)
    {
        var higher = (await session.Query<RuleSummary>()
                .Where(r => r.State.Status == RuleStatus.Active && r.State.Definition.Priority > rule.Priority && r.Id != ruleId)
                .ToListAsync(ct))
            .Select(r => (r.Id, r.State.Definition)).ToList();
        // No rule has issued a reward before the win-back engine exists, so nothing of a budget is spent yet.
        var preview = new RulePreview(tenantId, ruleId, rule, higher, asOf);
        // One query per status: an equality on the index's status column makes the time condition a range scan.
        foreach (var status in rule.Trigger.Type == TriggerType.Cancellation ? [CustomerStatus.Cancelled] : CanLapse)
        {
            await foreach (var summary in Candidates(session, rule, status, asOf).ToAsyncEnumerable(ct))
                preview.Add(summary.State);
        }
        return preview.Result();
    }

    private static IQueryable<CustomerSummary> Candidates(IQuerySession session, RuleDefinition rule, CustomerStatus status, DateTimeOffset asOf)
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
