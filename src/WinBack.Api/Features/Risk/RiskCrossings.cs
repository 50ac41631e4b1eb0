using System.Runtime.CompilerServices;
using Marten;
using Weasel.Postgresql.Tables;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Rules;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Features.TestClocks;
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
/// a newer purchase made stale is rewritten with the new crossing when it is read, so it is not read again until then; the row
/// of a customer in a lapse episode is removed when read, and the activity that ends the episode brings them back (below).
/// Purchases after the rows were computed (a first repeat purchase, or one that brings a crossing earlier) are caught up on each
/// read: the customers active since the last read (<see cref="MarkTable"/>), found through the customers' (status, last
/// activity) index, get their rows rewritten. A purchase recorded with a time more than <see cref="LateWrites"/> before the
/// latest activity already read is seen at its old crossing or at the next refit, whichever comes first.
/// </summary>
[Published]
public sealed class RiskCrossings(IDocumentStore store, RiskModels models, TenantClock clock)
{
    public const string TableName = MartenSetup.SchemaName + ".risk_crossing";
    /// <summary>Per tenant and threshold, the last activity time up to which customers' purchases are in the rows.</summary>
    public const string MarkTable = MartenSetup.SchemaName + ".risk_crossing_mark";
    /// <summary>How far back each read looks again before its mark, for activities committed after a later one was read.</summary>
    public static readonly TimeSpan LateWrites = TimeSpan.FromMinutes(1);

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

    public static Table Marks()
    {
        var table = new Table(MarkTable);
        table.AddColumn<string>("tenant_id").AsPrimaryKey();
        table.AddColumn<double>("threshold").AsPrimaryKey();
        table.AddColumn<DateTimeOffset>("checked_through").NotNull();
        return table;
    }

    /// <summary>What the tenant's triggers need: its model in force, or none, and its time zone.</summary>
    public async Task<TriggerContext> ContextAsync(string tenantId, CancellationToken ct) =>
        new((await models.CurrentAsync(tenantId, ct))?.InForce?.Parameters)
        {
            TimeZone = WinBack.Domain.Tenants.TenantTimeZone.Of((await TenantSettings.LoadAsync(store, tenantId, ct)).TimeZone),
        };

    /// <summary>
    /// Recomputes the tenant's crossings under its model in force: for every threshold in use (after a fit), or for
    /// <paramref name="threshold"/> alone (an at-risk rule was written). Without a model in force the rows are removed.
    /// </summary>
    public async Task RecomputeAsync(string tenantId, double? threshold, CancellationToken ct)
    {
        var context = await ContextAsync(tenantId, ct);
        var now = await clock.NowAsync(tenantId, ct);
        IReadOnlyList<double> thresholds = threshold is { } one ? [one] : await ThresholdsInUseAsync(tenantId, ct);
        // A sweep may be rewriting some of these rows at the same moment: a deadlock is tried again.
        await Sql.RetryOnConflictAsync(() => ReplaceAsync(tenantId, thresholds, all: threshold is null, context, now, ct), ct);
    }

    private async Task<bool> ReplaceAsync(string tenantId, IReadOnlyList<double> thresholds, bool all, TriggerContext context, DateTimeOffset now,
        CancellationToken ct)
    {
        var summaries = CustomerSummaries.Table;
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var delete = Sql.Command(connection,
                         $"delete from {TableName} where tenant_id = @tenant and (@all or threshold = any(@thresholds)); " +
                         $"delete from {MarkTable} where tenant_id = @tenant and (@all or threshold = any(@thresholds))",
                         ("tenant", tenantId), ("all", all), ("thresholds", thresholds.ToArray())))
            await delete.ExecuteNonQueryAsync(ct);
        if (context.RiskModel is { } model)
            foreach (var theta in thresholds)
            {
                // A second early, so that rounding here never puts a row after the domain's exact crossing.
                await using var insert = Sql.Command(connection, $"""
                    insert into {TableName} (tenant_id, threshold, customer_id, crossing_at)
                    select tenant_id, @threshold, id, first_at + (age * 86400 - 1) * interval '1 second'
                    from (select tenant_id, id, {PurchaseHistorySql.FirstPurchaseAt} as first_at,
                                 {PurchaseHistorySql.AtRiskAge(model, theta)} as age
                          from {summaries} where tenant_id = @tenant and {PurchaseHistorySql.HasRepeatPurchase}) s
                    where age <= @max
                    """, ("tenant", tenantId), ("threshold", theta), ("max", TriggerWindows.MaxAtRiskAgeDays));
                await insert.ExecuteNonQueryAsync(ct);
                // The rows hold every purchase up to now.
                await using var mark = Sql.Command(connection, $"""
                    insert into {MarkTable} (tenant_id, threshold, checked_through) values (@tenant, @threshold, @now)
                    on conflict (tenant_id, threshold) do update set checked_through = excluded.checked_through
                    """, ("tenant", tenantId), ("threshold", theta), ("now", now));
                await mark.ExecuteNonQueryAsync(ct);
            }
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// The customers the trigger catches by <paramref name="by"/>, each once: stored crossing due, or active since the last
    /// read, with a status that can lapse, and exact crossing by then. Rows whose exact crossing moved (a newer purchase) are
    /// rewritten, and rows of customers in a lapse episode or no longer at risk under the model removed, as they are met; so a
    /// read costs the crossings due and the customers active since the last read, not the customers who stay lapsed.
    /// </summary>
    public static async IAsyncEnumerable<CustomerSummary> CandidatesAsync(IQuerySession session, Trigger trigger, TriggerContext context,
        DateTimeOffset by, [EnumeratorCancellation] CancellationToken ct)
    {
        if (context.RiskModel is null || trigger.PAliveBelow is not { } threshold || TriggerWindows.Of(trigger.Type) is not { } window)
            yield break;
        var set = new CrossingSet(session.DocumentStore, session.TenantId, threshold);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in (await set.DueAsync(by, ct)).Chunk(500))
        {
            var moved = new List<(string Id, DateTimeOffset? At)>();
            foreach (var summary in await CustomerSummaries.LoadManyAsync(session, chunk, ct))
            {
                // In a lapse episode: its row goes, so that sweeps stop reading it; the activity that ends the episode brings
                // the customer back through the catch-up below.
                if (!window.Statuses.Contains(summary.State.Status))
                {
                    moved.Add((summary.Id, null));
                    continue;
                }
                var crossing = RuleAudience.CrossingAt(trigger, 0, summary.State, context);
                if (crossing is null || crossing > by)
                    moved.Add((summary.Id, crossing));
                else if (seen.Add(summary.Id))
                    yield return summary;
            }
            await set.WriteAsync(moved, ct);
        }

        // Purchases since the last read: customers active since then, through the (status, last activity) index.
        if (await set.CheckedThroughAsync(ct) is not { } mark)
            yield break;
        var since = mark - LateWrites;
        var latest = mark;
        foreach (var status in window.Statuses)
        {
            var recent = new List<(string Id, DateTimeOffset? At)>();
            await foreach (var summary in CustomerSummaries.WhereAsync(session, status, [c => c.LastActivityAt > since], ct))
            {
                var crossing = RuleAudience.CrossingAt(trigger, 0, summary.State, context);
                recent.Add((summary.Id, crossing));
                if (summary.State.LastActivityAt > latest)
                    latest = summary.State.LastActivityAt;
                if (crossing <= by && seen.Add(summary.Id))
                    yield return summary;
            }
            await set.WriteAsync(recent, ct);
        }
        await set.MarkAsync(latest, ct);
    }

    private async Task<IReadOnlyList<double>> ThresholdsInUseAsync(string tenantId, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenantId);
        var rules = await session.Query<RuleSummary>()
            .Where(r => r.State.Definition.Trigger.Type == TriggerType.AtRisk && r.State.Status != RuleStatus.Archived)
            .ToListAsync(ct);
        return rules.Select(r => r.State.Definition.Trigger.PAliveBelow).OfType<double>().Distinct().ToList();
    }

    /// <summary>One tenant's stored crossings of one threshold, with its mark; every statement is filtered by the tenant.</summary>
    private sealed class CrossingSet(IDocumentStore store, string tenantId, double threshold)
    {
        public async Task<IReadOnlyList<string>> DueAsync(DateTimeOffset by, CancellationToken ct)
        {
            var due = new List<string>();
            await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
            await using var command = Sql.Command(connection,
                $"select customer_id from {TableName} where tenant_id = @tenant and threshold = @threshold and crossing_at <= @by",
                ("tenant", tenantId), ("threshold", threshold), ("by", by));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                due.Add(reader.Get<string>("customer_id"));
            return due;
        }

        public async Task<DateTimeOffset?> CheckedThroughAsync(CancellationToken ct)
        {
            await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
            await using var command = Sql.Command(connection,
                $"select checked_through from {MarkTable} where tenant_id = @tenant and threshold = @threshold",
                ("tenant", tenantId), ("threshold", threshold));
            await using var reader = await command.ExecuteReaderAsync(ct);
            return await reader.ReadAsync(ct) ? reader.Get<DateTimeOffset>("checked_through") : null;
        }

        /// <summary>Each customer's exact crossing, stored a second early; none removes the row.</summary>
        public async Task WriteAsync(IReadOnlyList<(string Id, DateTimeOffset? At)> crossings, CancellationToken ct)
        {
            if (crossings.Count == 0)
                return;
            await Sql.RetryOnConflictAsync(() => UpsertAsync(crossings, ct), ct);
        }

        private async Task<int> UpsertAsync(IReadOnlyList<(string Id, DateTimeOffset? At)> crossings, CancellationToken ct)
        {
            var kept = crossings.Where(c => c.At is not null).ToList();
            await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
            await using var command = Sql.Command(connection, $"""
                delete from {TableName} where tenant_id = @tenant and threshold = @threshold and customer_id = any(@gone);
                insert into {TableName} (tenant_id, threshold, customer_id, crossing_at)
                select @tenant, @threshold, m.id, m.at - interval '1 second' from unnest(@ids, @ats) as m(id, at)
                on conflict (tenant_id, threshold, customer_id) do update set crossing_at = excluded.crossing_at
                """, ("tenant", tenantId), ("threshold", threshold),
                ("gone", crossings.Where(c => c.At is null).Select(c => c.Id).ToArray()),
                ("ids", kept.Select(c => c.Id).ToArray()), ("ats", kept.Select(c => c.At!.Value).ToArray()));
            return await command.ExecuteNonQueryAsync(ct);
        }

        public async Task MarkAsync(DateTimeOffset latest, CancellationToken ct)
        {
            await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
            await using var command = Sql.Command(connection,
                $"update {MarkTable} set checked_through = greatest(checked_through, @latest) where tenant_id = @tenant and threshold = @threshold",
                ("tenant", tenantId), ("threshold", threshold), ("latest", latest));
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
