using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Risk;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Engine;

/// <summary>A customer a rule's trigger may catch, and when they cross the window of their arm (null: the trigger does not apply to them).</summary>
[Published]
public sealed record LapseCandidate(CustomerSummary Customer, DateTimeOffset? CrossingAt);

/// <summary>
/// The one candidate query: which customers cross a rule's trigger window by a time. The customer summaries are read
/// through the (tenant, status, last activity) index, one query per status the trigger can catch, so that the bound its
/// window gives (<see cref="TriggerWindow.OpenedBy"/>) is a range scan and the cost follows the customers near or past the
/// window, not all customers. A trigger whose crossing depends on the tenant's model (at_risk) has no such bound: its
/// candidates are the stored crossings due by then (<see cref="RiskCrossings"/>), and so are a signal rule's (<see cref="SignalCrossings"/>). The sweep, the test clock and the preview
/// share it; the domain (<see cref="TriggerWindows"/>, <see cref="RuleAudience"/>) makes the exact call per customer, with
/// the tenant's <see cref="TriggerContext"/>.
/// </summary>
[Published]
public static class LapseCandidates
{
    /// <summary>The candidates' ids (the sweep decides each on its stream's current state).</summary>
    public static async IAsyncEnumerable<string> IdsAsync(IQuerySession session, RuleDefinition rule, DateTimeOffset by, TriggerContext context,
        [EnumeratorCancellation] CancellationToken ct)
    {
        if (Stored(rule, context) is { } stored)
        {
            await foreach (var summary in stored(session, rule.Trigger, context, by, ct))
                yield return summary.Id;
            yield break;
        }
        if (rule.Trigger.PersonalWindow is not null || Moments.IsMoment(rule.Trigger.Type))
        {
            // No index bound here (a personal window; a moment, whose fired keys only the state holds), so the domain sorts the
            // summaries out before any stream is locked: the writes still
            // follow the customers who cross. The shortest arm's days bound a fallback window, and a personal one is exact.
            var shortest = ShortestDays(rule);
            await foreach (var summary in SummariesAsync(session, rule, by, context, ct))
                if (RuleAudience.HasLapsed(rule.Trigger, shortest, summary.State, by, context))
                    yield return summary.Id;
            yield break;
        }
        foreach (var (status, conditions) in Queries(rule, by, context))
            await foreach (var id in CustomerSummaries.IdsWhereAsync(session, status, conditions, ct))
                yield return id;
    }

    /// <summary>The candidates' summaries; <paramref name="readOnly"/> (a preview) writes no stored signal steps, and reads the customers active within the windows instead.</summary>
    public static async IAsyncEnumerable<CustomerSummary> SummariesAsync(IQuerySession session, RuleDefinition rule, DateTimeOffset by,
        TriggerContext context, [EnumeratorCancellation] CancellationToken ct, bool readOnly = false)
    {
        if (Stored(rule, readOnly ? context with { RuleId = null } : context) is { } stored)
        {
            await foreach (var summary in stored(session, rule.Trigger, context, by, ct))
                yield return summary;
            yield break;
        }
        foreach (var (status, conditions) in Queries(rule, by, context))
            await foreach (var summary in CustomerSummaries.WhereAsync(session, status, conditions, ct))
                yield return summary;
    }

    /// <summary>The candidates, each with the moment they cross the window of the arm they are assigned to.</summary>
    public static async IAsyncEnumerable<LapseCandidate> CrossingsAsync(IQuerySession session, string tenantId, string ruleId, RuleDefinition rule,
        DateTimeOffset by, TriggerContext context, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var summary in SummariesAsync(session, rule, by, context, ct))
        {
            var arm = ExperimentAssignment.ArmFor(tenantId, ruleId, summary.Id, rule);
            yield return new LapseCandidate(summary, RuleAudience.CrossingAt(rule.Trigger, rule.TriggerDaysOf(arm), summary.State, context));
        }
    }

    private delegate IAsyncEnumerable<CustomerSummary> StoredCrossings(IQuerySession session, Trigger trigger, TriggerContext context, DateTimeOffset by,
        CancellationToken ct);

    // Triggers whose crossings no index on customers can bound read stored ones: at_risk's (the tenant's model), and a signal rule's
    // (its counts); a draft signal rule (no id: a preview) has none and reads the customers active within its windows.
    private static StoredCrossings? Stored(RuleDefinition rule, TriggerContext context) =>
        Signals.IsChurnSignal(rule.Trigger.Type) ? context.RuleId is null ? null : SignalCrossings.CandidatesAsync
        : TriggerWindows.Of(rule.Trigger.Type)?.Crossing is not null && !Moments.IsMoment(rule.Trigger.Type) ? RiskCrossings.CandidatesAsync
        : null;

    // One query per status: an equality on the index's status column makes the window's bound a range scan.
    private static IEnumerable<(CustomerStatus Status, Expression<Func<Customer, bool>>[] Conditions)> Queries(RuleDefinition rule, DateTimeOffset by,
        TriggerContext context)
    {
        if (TriggerWindows.Of(rule.Trigger.Type) is not { } window)
            yield break;
        // The shortest window of any arm (the holdout uses the rule's own) bounds who can have crossed by then. A personal
        // window can be as short as a customer's quickest purchases make it (no floor), so such a rule has no bound.
        var openedBy = rule.Trigger.PersonalWindow is null ? window.OpenedBy(rule.Trigger, by.AddDays(-ShortestDays(rule))) : null;
        // A moment rule fires no moment from before its activation; the longest arm's days bound who can still have one.
        var openedSince = context.Since is { } since ? window.OpenedSince?.Invoke(rule.Trigger, since.AddDays(-LongestDays(rule))) : null;
        Expression<Func<Customer, bool>>[] conditions = [.. new[] { openedBy, openedSince }.OfType<Expression<Func<Customer, bool>>>()];
        foreach (var status in window.Statuses)
            yield return (status, conditions);
    }

    private static int ShortestDays(RuleDefinition rule) => rule.Arms.Select(a => rule.TriggerDaysOf(a)).Append(rule.Trigger.Days).Min();

    private static int LongestDays(RuleDefinition rule) => rule.Arms.Select(a => rule.TriggerDaysOf(a)).Append(rule.Trigger.Days).Max();
}
