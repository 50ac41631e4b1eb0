using Marten;
using Marten.Events;
using WinBack.Api.Features.Risk;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

/// <summary>
/// Runs a backtest: streams the tenant's customer events in sequence order into the domain's <see cref="BacktestReplay"/>. Only
/// activities, profiles and imports are read (the engine's lapses and rewards are not the backtest's to see); nothing is written
/// but the job, and nothing is sent.
/// </summary>
public sealed class BacktestRunner(IDocumentStore store, RiskCrossings crossings)
{
    public async Task<BacktestResult> RunAsync(BacktestJob job, CancellationToken ct)
    {
        var context = await crossings.ContextAsync(job.TenantId, ct);
        var replay = new BacktestReplay(job.TenantId, job.RuleId ?? PreviewRuleDefinitionEndpoint.InlineRuleId, job.Definition, job.From, job.To, context);
        await using var session = store.QuerySession(job.TenantId);
        var events = session.Events.QueryAllRawEvents()
            .Where(e => e.EventTypesAre(typeof(ActivityRecorded), typeof(ProfileUpdated), typeof(CustomerImported)))
            .OrderBy(e => e.Sequence)
            .ToAsyncEnumerable(ct);
        await foreach (var e in events)
            if (e.Data is ICustomerEvent customerEvent)
                replay.Apply(customerEvent);
        return replay.Result();
    }
}
