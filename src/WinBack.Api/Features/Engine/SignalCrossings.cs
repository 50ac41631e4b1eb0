using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Weasel.Postgresql.Tables;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Engine;

/// <summary>
/// The churn signal triggers' index (usage_decline, contact_burst, payment_failed), so that a sweep's cost follows the customers who
/// cross, not all customers. Per rule (its id, trigger and activation: <see cref="KeyOf"/>) each customer's next step (<see cref="Signals.Next"/>:
/// the crossing, or the re-arm of an open episode, given no new activity; for payment_failed the next failure not fired) is stored in <see cref="TableName"/>; a read takes the rows
/// due by then, plus the customers whose activities were appended since the read before last (<see cref="MarkTable"/>: event
/// sequence numbers, read through the events' own index, so a late backdated activity is seen too; that read costs the shard's
/// events appended since, of every tenant, unless events are partitioned by tenant), recomputes their steps exactly
/// and rewrites their rows (removed when no step comes). The first read of a rule fills the rows from the customers active within
/// the rule's windows before its activation (older activity counts 0). Re-reading since the read before last catches an append
/// that committed after a later one was read, unless it stayed uncommitted for longer than one read's interval.
/// </summary>
public static class SignalCrossings
{
    public const string TableName = MartenSetup.SchemaName + ".signal_crossing";
    public const string MarkTable = MartenSetup.SchemaName + ".signal_crossing_mark";
    private const int Chunk = 500;

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn<string>("tenant_id").AsPrimaryKey();
        table.AddColumn<string>("rule_key").AsPrimaryKey();
        table.AddColumn<string>("customer_id").AsPrimaryKey();
        table.AddColumn<DateTimeOffset>("due_at").NotNull();
        // The sweep's read: one tenant's rule, rows due by a time.
        table.Indexes.Add(new IndexDefinition("ix_signal_crossing_due") { Columns = ["tenant_id", "rule_key", "due_at"] });
        return table;
    }

    public static Table Marks()
    {
        var table = new Table(MarkTable);
        table.AddColumn<string>("tenant_id").AsPrimaryKey();
        table.AddColumn<string>("rule_key").AsPrimaryKey();
        table.AddColumn<long>("checked_seq").NotNull();
        table.AddColumn<long>("prior_seq").NotNull();
        return table;
    }

    /// <summary>What the rows depend on: the rule, its trigger's fields and its activation. A revision or a new activation starts afresh.</summary>
    public static string KeyOf(Trigger trigger, TriggerContext context)
    {
        var text = string.Join('|', context.RuleId, context.Since?.UtcTicks, context.TimeZone.Id, trigger.Type, string.Join(',', trigger.Activities ?? []),
            trigger.Activity, trigger.RecentDays, trigger.BaselineDays, trigger.DropBelow, trigger.RearmAbove, trigger.MinBaseline, trigger.Count, trigger.WithinDays);
        return $"{context.RuleId}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16]}";
    }

    /// <summary>The customers whose next step for the rule in <paramref name="context"/> comes by <paramref name="by"/>, each once.</summary>
    public static async IAsyncEnumerable<CustomerSummary> CandidatesAsync(IQuerySession session, Trigger trigger, TriggerContext context,
        DateTimeOffset by, [EnumeratorCancellation] CancellationToken ct)
    {
        var rows = new RuleRows(session.DocumentStore, session.TenantId, KeyOf(trigger, context));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var latest = await rows.LatestSequenceAsync(ct);
        // A mark above the shard's sequence came from elsewhere (a tenant moved here with its rows): the rule is read afresh.
        var mark = await rows.MarkAsync(ct) is { } known && known.Checked <= latest ? known : ((long Checked, long Prior)?)null;
        IEnumerable<string[]> changed;
        if (mark is null)
        {
            // First read: everyone with activity in the windows since the rule's activation (or now) less both windows.
            var bound = (context.Since ?? by).AddDays(-Signals.SpanOf(trigger) - 1);
            var ids = new List<string>();
            // One query per status, so that the customers' (status, last activity) index bounds each.
            foreach (var status in Enum.GetValues<CustomerStatus>())
                await foreach (var id in CustomerSummaries.IdsWhereAsync(session, status, [c => c.LastActivityAt >= bound], ct))
                    ids.Add(id);
            changed = [ids.ToArray()];
        }
        else
        {
            changed = (await rows.DueAsync(by, ct)).Concat(await rows.AppendedSinceAsync(mark.Value.Prior, ct)).Distinct().Chunk(Chunk);
        }
        foreach (var ids in changed.SelectMany(c => c.Chunk(Chunk)))
        {
            var steps = new List<(string Id, DateTimeOffset? At)>();
            var due = new List<CustomerSummary>();
            foreach (var summary in await CustomerSummaries.LoadManyAsync(session, ids.Where(seen.Add), ct))
            {
                var step = RuleAudience.CrossingAt(trigger, 0, summary.State, context);
                steps.Add((summary.Id, step));
                if (step <= by)
                    due.Add(summary);
            }
            await rows.WriteAsync(steps, ct);
            foreach (var summary in due)
                yield return summary;
        }
        await rows.MarkAsync(mark?.Checked ?? latest, latest, ct);
    }

    /// <summary>One tenant's rows of one rule, with its mark; every statement is filtered by the tenant.</summary>
    private sealed class RuleRows(IDocumentStore store, string tenantId, string key)
    {
        public async Task<(long Checked, long Prior)?> MarkAsync(CancellationToken ct)
        {
            await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
            await using var command = Sql.Command(connection,
                $"select checked_seq, prior_seq from {MarkTable} where tenant_id = @tenant and rule_key = @key", ("tenant", tenantId), ("key", key));
            await using var reader = await command.ExecuteReaderAsync(ct);
            return await reader.ReadAsync(ct) ? (reader.Get<long>("checked_seq"), reader.Get<long>("prior_seq")) : null;
        }

        // The shard's latest sequence number (its index's last entry): any later event of this tenant is above it.
        public async Task<long> LatestSequenceAsync(CancellationToken ct)
        {
            await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
            await using var command = Sql.Command(connection, $"select coalesce(max(seq_id), 0) from {MartenSetup.SchemaName}.mt_events");
            return (long)(await command.ExecuteScalarAsync(ct))!;
        }

        public Task<IReadOnlyList<string>> DueAsync(DateTimeOffset by, CancellationToken ct) => IdsAsync(
            $"select customer_id from {TableName} where tenant_id = @tenant and rule_key = @key and due_at <= @by", ct, ("by", by));

        // Customers whose activities were appended after the sequence number: their counts changed.
        public Task<IReadOnlyList<string>> AppendedSinceAsync(long sequence, CancellationToken ct) => IdsAsync(
            $"select distinct stream_id from {MartenSetup.SchemaName}.mt_events where tenant_id = @tenant and seq_id > @since and type = any(@types)",
            ct, ("since", sequence), ("types", Sql.EventTypeNames(store, [.. DomainEvents.Of<ActivityRecorded>()])));

        private async Task<IReadOnlyList<string>> IdsAsync(string sql, CancellationToken ct, params (string, object)[] parameters)
        {
            var ids = new List<string>();
            await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
            await using var command = Sql.Command(connection, sql, [("tenant", tenantId), ("key", key), .. parameters]);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                ids.Add(reader.GetString(0));
            return ids;
        }

        /// <summary>Each customer's next step; none removes the row.</summary>
        public async Task WriteAsync(IReadOnlyList<(string Id, DateTimeOffset? At)> steps, CancellationToken ct)
        {
            if (steps.Count == 0)
                return;
            await Sql.RetryOnConflictAsync(async () =>
            {
                var kept = steps.Where(s => s.At is not null).ToList();
                await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
                await using var command = Sql.Command(connection, $"""
                    delete from {TableName} where tenant_id = @tenant and rule_key = @key and customer_id = any(@gone);
                    insert into {TableName} (tenant_id, rule_key, customer_id, due_at)
                    select @tenant, @key, m.id, m.at from unnest(@ids, @ats) as m(id, at)
                    on conflict (tenant_id, rule_key, customer_id) do update set due_at = excluded.due_at
                    """, ("tenant", tenantId), ("key", key), ("gone", steps.Where(s => s.At is null).Select(s => s.Id).ToArray()),
                    ("ids", kept.Select(s => s.Id).ToArray()), ("ats", kept.Select(s => s.At!.Value).ToArray()));
                return await command.ExecuteNonQueryAsync(ct);
            }, ct);
        }

        public async Task MarkAsync(long prior, long latest, CancellationToken ct)
        {
            await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
            await using var command = Sql.Command(connection, $"""
                insert into {MarkTable} (tenant_id, rule_key, checked_seq, prior_seq) values (@tenant, @key, @latest, @prior)
                on conflict (tenant_id, rule_key) do update set checked_seq = excluded.checked_seq, prior_seq = excluded.prior_seq
                """, ("tenant", tenantId), ("key", key), ("latest", latest), ("prior", prior));
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
