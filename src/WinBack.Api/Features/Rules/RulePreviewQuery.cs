using Marten;
using WinBack.Api.Features.Engine;
using WinBack.Api.Features.Rewards;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

/// <summary>Feeds a rule preview from the customer summaries the rule's trigger can catch by asOf (<see cref="LapseCandidates"/>). Nothing is written.</summary>
public static class RulePreviewQuery
{
    /// <param name="activeSince">When the rule was activated, if it is active: a moment rule counts its moments since then, else those of
    /// the <see cref="RulePreview.MomentLookbackDays"/> before asOf, as if it had been active since.</param>
    public static async Task<RulePreviewResult> RunAsync(IQuerySession session, string tenantId, string ruleId, RuleDefinition rule,
        DateTimeOffset asOf, TriggerContext context, DateTimeOffset? activeSince, CancellationToken ct)
    {
        context = context.ForRule(ruleId, activeSince ?? asOf.AddDays(-RulePreview.MomentLookbackDays));
        var higher = (await session.Query<RuleSummary>()
                .Where(r => r.State.Status == RuleStatus.Active && r.State.Definition.Priority > rule.Priority && r.Id != ruleId)
                .ToListAsync(ct))
            .Select(r => (r.Id, r.State.Definition)).ToList();
        var spent = await RuleSpend.OfAsync(session, ruleId, rule.Limits, asOf, ct);
        var preview = new RulePreview(tenantId, ruleId, rule, higher, asOf, spent?.Total, spent?.Today, context);
        await foreach (var summary in LapseCandidates.SummariesAsync(session, rule, asOf, context, ct, readOnly: true))
            preview.Add(summary.State);
        return preview.Result();
    }
}
