using System.Runtime.CompilerServices;
using Marten;
using Weasel.Postgresql.Tables;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Rules;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Risk;

/// <summary>
/// The at_risk trigger's index. A crossing depends on the tenant's model, so no index on customers can bound it; instead each
/// refit stores, per threshold of a non-archived at_risk rule, when every customer with a repeat purchase falls below it
/// (<see cref="TableName"/>), and the engine reads the rows due by a time, so its cost follows the customers who cross. The
/// stored time is a lower bound (a second early); the domain makes the exact call on the customer's current state, and a row
/// a newer purchase made stale is rewritten with the new crossing when it is read, so it is not read again until then.
/// A purchase between refits that brings a crossing earlier, or a customer's first repeat purchase, is seen at the old
/// crossing or at the next refit, whichever comes first.
/// </summary>
[Published]
public sealed class RiskCrossings(IDocumentStore store, RiskModels models)
{
    public const string TableName = MartenSetup.SchemaName + ".risk_crossing";

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn<string>("tenant_id").AsPrimaryKey();
        table.AddColumn<double>("threshold").AsPrimaryKey();
        table.AddColumn<string>("customer_id").AsPrimaryKey();
        table.AddColumn<DateTimeOffset>("crossing_at").NotNull();
        // The engine's read: one tenant's threshold, rows due by a time.
        table.Indexes.Add(new IndexDefinition("ix_risk_crossing_due") { Columns = ["tenant_id", "threshold", "crossing_at"] });
        return table;
    }

    /// <summary>What the tenant's triggers need: its model in force, or none.</summary>
    public async Task<TriggerContext> ContextAsync(string tenantId, CancellationToken ct) =>
        new((await models.CurrentAsync(tenantId, ct))?.InForce?.Parameters);

    /// <summary>
    /// Recomputes the tenant's crossings under its model in force: for every threshold in use (after a fit), or for
    /// <paramref name="threshold"/> alone (an at-risk rule was written). Without a model in force the rows are removed.
    /// </summary>
    public async Task RecomputeAsync(string tenantId, double? threshold, CancellationToken ct)
    {
        var context = await ContextAsync(tenantId, ct);
        IReadOnlyList<double> thresholds = threshold is { } one ? [one] : await ThresholdsInUseAsync(tenantId, ct);
        var summaries = Sql.TableOf<CustomerSummary>(store);
        await using var connection = await Sql.OpenAsync(store, ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var delete = Sql.Command(connection,
                         $"delete from {TableName} where tenant_id = @tenant and (@all or threshold = any(@thresholds))",
                         ("tenant", tenantId), ("all", threshold is null), ("thresholds", thresholds.ToArray())))
            await delete.ExecuteNonQueryAsync(ct);
        if (context.RiskModel is { } model)
            foreach (var theta in thresholds)
            {
                // A second early, so that rounding here never puts a row after the domain's exact crossing.
                await using var insert = Sql.Command(connection, $"""
                    insert into {TableName} (tenant_id, threshold, customer_id, crossing_at)
                    select tenant_id, @threshold, id, first_at + (age * 86400 - 1) * interval '1 second'
                    from (select tenant_id, id, {PurchaseHistorySql.FirstPurchaseAt("data")} as first_at,
                                 {PurchaseHistorySql.AtRiskAge(model, "data", theta)} as age
                          from {summaries} where tenant_id = @tenant and {PurchaseHistorySql.HasRepeatPurchase("data")}) s
                    where age <= @max
                    """, ("tenant", tenantId), ("threshold", theta), ("max", TriggerWindows.MaxAtRiskAgeDays));
                await insert.ExecuteNonQueryAsync(ct);
            }
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// The customers the trigger may catch by <paramref name="by"/>: stored crossing due, status one that can lapse. Rows whose
    /// exact crossing moved past <paramref name="by"/> (a newer purchase) are rewritten, and rows of customers no longer at risk
    /// under the model removed, as they are met.
    /// </summary>
    public static async IAsyncEnumerable<CustomerSummary> CandidatesAsync(IQuerySession session, Trigger trigger, TriggerContext context,
        DateTimeOffset by, [EnumeratorCancellation] CancellationToken ct)
    {
        if (context.RiskModel is null || trigger.PAliveBelow is not { } threshold || TriggerWindows.Of(trigger.Type) is not { } window)
            yield break;
        var tenantId = session.TenantId;
        var due = new List<string>();
        await using (var connection = await Sql.OpenAsync(session.DocumentStore, ct))
        await using (var command = Sql.Command(connection,
                         $"select customer_id from {TableName} where tenant_id = @tenant and threshold = @threshold and crossing_at <= @by",
                         ("tenant", tenantId), ("threshold", threshold), ("by", by)))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                due.Add(reader.Get<string>("customer_id"));

        foreach (var chunk in due.Chunk(500))
        {
            var summaries = await session.LoadManyAsync<CustomerSummary>(ct, chunk);
            var moved = new List<(string Id, DateTimeOffset? At)>();
            foreach (var summary in summaries)
            {
                var crossing = RuleAudience.CrossingAt(trigger, 0, summary.State, context);
                if (crossing is null || crossing > by)
                    moved.Add((summary.Id, crossing));
                if (window.Statuses.Contains(summary.State.Status))
                    yield return summary;
            }
            await HealAsync(session.DocumentStore, tenantId, threshold, moved, ct);
        }
    }

    private static async Task HealAsync(IDocumentStore store, string tenantId, double threshold, IReadOnlyList<(string Id, DateTimeOffset? At)> moved,
        CancellationToken ct)
    {
        if (moved.Count == 0)
            return;
        await using var connection = await Sql.OpenAsync(store, ct);
        await using var command = Sql.Command(connection, $"""
            delete from {TableName} where tenant_id = @tenant and threshold = @threshold and customer_id = any(@gone);
            update {TableName} r set crossing_at = m.at - interval '1 second'
            from unnest(@ids, @ats) as m(id, at)
            where r.tenant_id = @tenant and r.threshold = @threshold and r.customer_id = m.id
            """, ("tenant", tenantId), ("threshold", threshold),
            ("gone", moved.Where(m => m.At is null).Select(m => m.Id).ToArray()),
            ("ids", moved.Where(m => m.At is not null).Select(m => m.Id).ToArray()),
            ("ats", moved.Where(m => m.At is not null).Select(m => m.At!.Value).ToArray()));
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<IReadOnlyList<double>> ThresholdsInUseAsync(string tenantId, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenantId);
        var rules = await session.Query<RuleSummary>()
            .Where(r => r.State.Definition.Trigger.Type == TriggerType.AtRisk && r.State.Status != RuleStatus.Archived)
            .ToListAsync(ct);
        return rules.Select(r => r.State.Definition.Trigger.PAliveBelow).OfType<double>().Distinct().ToList();
    }
}
