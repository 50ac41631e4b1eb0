using Marten;
using Marten.Events;
using WinBack.Api.Features.Risk;
using WinBack.Api.Infrastructure.Postgres;
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
    private static readonly Type[] Replayed = [typeof(ActivityRecorded), typeof(ProfileUpdated), typeof(CustomerImported)];

    public async Task<BacktestResult> RunAsync(BacktestJob job, CancellationToken ct)
    {
        var context = await crossings.ContextAsync(job.TenantId, ct);
        var replay = new BacktestReplay(job.TenantId, job.RuleId ?? PreviewRuleDefinitionEndpoint.InlineRuleId, job.Definition, job.From, job.To, context);
        var byName = Replayed.ToDictionary(t => ((EventGraph)store.Options.Events).EventMappingFor(t).EventTypeName);
        var serializer = store.Options.Serializer();
        // Two columns read one row at a time (not Marten's whole event rows): the read is most of a backtest's time.
        await using var connection = await Sql.OpenForTenantAsync(store, job.TenantId, ct);
        await using var command = Sql.Command(connection,
            $"select type, data from {Sql.EventsTable(store)} where tenant_id = @tenant and type = any(@types) order by seq_id",
            ("tenant", job.TenantId), ("types", byName.Keys.ToArray()));
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            replay.Apply((ICustomerEvent)await serializer.FromJsonAsync(byName[reader.GetString(0)], reader, 1, ct));
        return replay.Result();
    }
}
