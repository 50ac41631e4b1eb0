using System.Data.Common;
using Marten;
using Npgsql;
using WinBack.Domain.Customers;
using WinBack.Domain.Reports;

namespace WinBack.Api.Features.Reports;

/// <summary>How report rows are grouped; <see cref="All"/> makes one row of everything (the overview's totals).</summary>
public enum ReportGrouping { Rule, Variant, LapseMonth, ChurnReason, All }

/// <summary>Which episodes a report covers: one rule's, lapsed in [from, to).</summary>
public sealed record ReportFilter(string? RuleId, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>Won-back episodes old enough to know (returned at least <c>days</c> before asOf), and those not lapsed again by then.</summary>
public sealed record Retention(long Known, long Retained);

/// <summary>One group's raw figures, straight from the lapse episode table.</summary>
public sealed record ReportGroup(
    string Key, long Lapsed, EpisodeCounts Counts, long Rewarded, IReadOnlyDictionary<WithheldReason, long> Withheld, long Reactivated,
    double? MedianDaysToReturn, Retention Retained30, Retention Retained60, Retention Retained90,
    IReadOnlyDictionary<string, GroupMoney> Money);

/// <summary>
/// The reactivation report's three aggregate queries over the lapse episode table (counts, reward cost and revenue
/// per currency), grouped by one field. Each is one scan of narrow rows of the tenant's episodes in the filter.
/// </summary>
public static class ReactivationQuery
{
    private const string Treated = "e.variant <> 'holdout'";

    public static async Task<IReadOnlyList<ReportGroup>> RunAsync(IDocumentStore store, string tenantId, ReportFilter filter,
        ReportGrouping grouping, DateTimeOffset asOf, CancellationToken ct)
    {
        var key = grouping switch
        {
            ReportGrouping.Rule => "e.rule_id",
            ReportGrouping.Variant => "e.variant",
            ReportGrouping.LapseMonth => "e.lapse_month",
            ReportGrouping.ChurnReason => "coalesce(e.churn_reason, 'none')",
            _ => "'all'",
        };
        var where = Where(filter);
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);

        var groups = new Dictionary<string, Counted>();
        await ReadAsync(connection, $"""
            select {key}, count(*), count(*) filter (where {Treated}), count(*) filter (where {Treated} and e.returned_at is not null),
              count(*) filter (where not {Treated}), count(*) filter (where not {Treated} and e.returned_at is not null),
              count(e.reward_id), count(e.returned_at),
              count(*) filter (where e.withheld = 'holdout'), count(*) filter (where e.withheld = 'budget'),
              count(*) filter (where e.withheld = 'cooldown'), count(*) filter (where e.withheld = 'per_customer_cap'),
              count(*) filter (where e.withheld = 'ineligible'),
              percentile_cont(0.5) within group (order by e.days_to_return),
              {Retained(30)}, {Retained(60)}, {Retained(90)}
            from {LapseEpisodeTable.Episodes} e where {where} group by 1
            """, filter, tenantId, asOf, r => groups[r.GetString(0)] = new Counted(r), ct);

        var money = groups.Keys.ToDictionary(k => k, _ => new Dictionary<string, GroupMoney>());
        await ReadAsync(connection, $"""
            select {key}, e.reward_currency, sum(e.reward_issued)::bigint, sum(e.reward_redeemed)::bigint, sum(e.reward_expired)::bigint,
              sum(e.reward_outstanding)::bigint
            from {LapseEpisodeTable.Episodes} e where {where} and e.reward_currency is not null group by 1, 2
            """, filter, tenantId, asOf, r =>
        {
            var current = money[r.GetString(0)].GetValueOrDefault(r.GetString(1)) ?? new GroupMoney(0, 0, 0, 0, 0, 0, 0);
            money[r.GetString(0)][r.GetString(1)] = current with
            {
                Issued = r.GetInt64(2), Redeemed = r.GetInt64(3), Expired = r.GetInt64(4), Outstanding = r.GetInt64(5),
            };
        }, ct);
        await ReadAsync(connection, $"""
            select {key}, v.currency, sum(v.amount)::bigint, coalesce(sum(v.amount) filter (where {Treated}), 0)::bigint,
              coalesce(sum(v.amount) filter (where not {Treated}), 0)::bigint
            from {LapseEpisodeTable.Episodes} e
            join {LapseEpisodeTable.Revenue} v on v.tenant_id = e.tenant_id and v.episode_id = e.episode_id
            where {where} group by 1, 2
            """, filter, tenantId, asOf, r =>
        {
            var current = money[r.GetString(0)].GetValueOrDefault(r.GetString(1)) ?? new GroupMoney(0, 0, 0, 0, 0, 0, 0);
            money[r.GetString(0)][r.GetString(1)] = current with { Revenue = r.GetInt64(2), TreatedRevenue = r.GetInt64(3), HoldoutRevenue = r.GetInt64(4) };
        }, ct);

        return groups.OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Value.ToGroup(g.Key, money[g.Key])).ToList();
    }

    /// <summary>The filter as a condition on the episode table aliased <c>e</c>; its parameters are set by <see cref="ReadAsync"/>.</summary>
    public static string Where(ReportFilter filter) =>
        "e.tenant_id = @tenant" + (filter.RuleId is null ? "" : " and e.rule_id = @rule")
        + (filter.From is null ? "" : " and e.lapsed_at >= @from") + (filter.To is null ? "" : " and e.lapsed_at < @to");

    // Won back at least `days` before asOf, and not lapsed again within `days` of the return.
    private static string Retained(int days) =>
        $"count(*) filter (where e.returned_at <= @asof - interval '{days} days'), " +
        $"count(*) filter (where e.returned_at <= @asof - interval '{days} days' and (e.relapsed_at is null or e.relapsed_at > e.returned_at + interval '{days} days'))";

    /// <summary>Runs one report query with the filter's parameters (@tenant, @asof, @rule, @from, @to), row by row.</summary>
    public static async Task ReadAsync(NpgsqlConnection connection, string sql, ReportFilter filter, string tenantId, DateTimeOffset asOf,
        Action<DbDataReader> row, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("asof", asOf);
        if (filter.RuleId is { } rule) command.Parameters.AddWithValue("rule", rule);
        if (filter.From is { } from) command.Parameters.AddWithValue("from", from);
        if (filter.To is { } to) command.Parameters.AddWithValue("to", to);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            row(reader);
    }

    private sealed class Counted(DbDataReader r)
    {
        private readonly long[] _counts = Enumerable.Range(1, 12).Select(r.GetInt64).ToArray();
        private readonly double? _median = r.IsDBNull(13) ? null : r.GetDouble(13);
        private readonly long[] _retention = Enumerable.Range(14, 6).Select(r.GetInt64).ToArray();

        public ReportGroup ToGroup(string key, IReadOnlyDictionary<string, GroupMoney> money) => new(key, _counts[0],
            new EpisodeCounts(_counts[1], _counts[2], _counts[3], _counts[4]), _counts[5],
            new Dictionary<WithheldReason, long>
            {
                [WithheldReason.Holdout] = _counts[7], [WithheldReason.Budget] = _counts[8], [WithheldReason.Cooldown] = _counts[9],
                [WithheldReason.PerCustomerCap] = _counts[10], [WithheldReason.Ineligible] = _counts[11],
            },
            _counts[6], _median, new Retention(_retention[0], _retention[1]), new Retention(_retention[2], _retention[3]),
            new Retention(_retention[4], _retention[5]), money);
    }
}
