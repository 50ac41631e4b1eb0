using System.Data.Common;
using Marten;
using Npgsql;
using WinBack.Domain.Customers;
using WinBack.Domain.Reports;

namespace WinBack.Api.Features.Reports;

/// <summary>How report rows are grouped; <see cref="All"/> makes one row of everything (the overview's totals).</summary>
public enum ReportGrouping { Rule, Variant, LapseMonth, ChurnReason, All }

/// <summary>Which episodes a report covers: one rule's, lapsed on the UTC days from <see cref="From"/> to <see cref="To"/> inclusive.</summary>
public sealed record ReportFilter(string? RuleId, DateOnly? From, DateOnly? To);

/// <summary>Won-back episodes old enough to know (returned at least <c>days</c> before asOf), and those not lapsed again by then.</summary>
public sealed record Retention(long Known, long Retained);

/// <summary>One group's raw figures, summed from the report rollups.</summary>
public sealed record ReportGroup(
    string Key, long Lapsed, EpisodeCounts Counts, long Rewarded, IReadOnlyDictionary<WithheldReason, long> Withheld, long Reactivated,
    double? MedianDaysToReturn, Retention Retained30, Retention Retained60, Retention Retained90,
    IReadOnlyDictionary<string, GroupMoney> Money);

/// <summary>
/// The reactivation report's queries: the tenant's dirty rollup groups are refreshed first (so every committed event
/// is in), then four sums over the rollups (<see cref="ReportRollups"/>), grouped by one field.
/// </summary>
public static class ReactivationQuery
{
    public static async Task<IReadOnlyList<ReportGroup>> RunAsync(IDocumentStore store, string tenantId, ReportFilter filter,
        ReportGrouping grouping, DateTimeOffset asOf, CancellationToken ct)
    {
        var key = grouping switch
        {
            ReportGrouping.Rule => "e.rule_id",
            ReportGrouping.Variant => "e.variant",
            ReportGrouping.LapseMonth => "to_char(e.lapse_date, 'YYYY-MM')",
            ReportGrouping.ChurnReason => "e.churn_reason",
            _ => "'all'",
        };
        var where = Where(filter);
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await ReportRollups.RefreshAsync(connection, tenantId, ct);

        var counts = new Dictionary<string, long[]>();
        await ReadAsync(connection, $"""
            select {key}, sum(episodes), sum(treated), sum(treated_returned), sum(held_out), sum(held_out_returned), sum(rewarded),
              sum(returned), sum(withheld_holdout), sum(withheld_budget), sum(withheld_cooldown), sum(withheld_per_customer_cap),
              sum(withheld_ineligible)
            from {ReportRollups.Counts} e where {where} group by 1
            """, filter, tenantId, asOf, r => counts[r.GetString(0)] = Enumerable.Range(1, 12).Select(i => Convert.ToInt64(r.GetValue(i))).ToArray(), ct);

        var money = counts.Keys.ToDictionary(k => k, _ => new Dictionary<string, GroupMoney>());
        await ReadAsync(connection, $"""
            select {key}, currency, sum(revenue), sum(treated_revenue), sum(held_out_revenue), sum(issued), sum(redeemed), sum(expired),
              sum(outstanding)
            from {ReportRollups.Money} e where {where} group by 1, 2
            """, filter, tenantId, asOf, r =>
        {
            long At(int i) => Convert.ToInt64(r.GetValue(i));
            money[r.GetString(0)][r.GetString(1)] = new GroupMoney(At(2), At(3), At(4), At(5), At(6), At(7), At(8));
        }, ct);

        var days = counts.Keys.ToDictionary(k => k, _ => new List<(int, long)>());
        await ReadAsync(connection, $"select {key}, days, sum(returned) from {ReportRollups.Days} e where {where} group by 1, 2",
            filter, tenantId, asOf, r => days[r.GetString(0)].Add((r.GetInt32(1), Convert.ToInt64(r.GetValue(2)))), ct);

        var retention = new Dictionary<string, long[]>();
        await ReadAsync(connection, $"""
            select {key}, {Retained(30)}, {Retained(60)}, {Retained(90)} from {ReportRollups.Returns} e where {where} group by 1
            """, filter, tenantId, asOf, r => retention[r.GetString(0)] = Enumerable.Range(1, 6).Select(i => Convert.ToInt64(r.GetValue(i))).ToArray(), ct);

        return counts.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var c = g.Value;
            var kept = retention.GetValueOrDefault(g.Key) ?? new long[6];
            return new ReportGroup(g.Key, c[0], new EpisodeCounts(c[1], c[2], c[3], c[4]), c[5],
                new Dictionary<WithheldReason, long>
                {
                    [WithheldReason.Holdout] = c[7], [WithheldReason.Budget] = c[8], [WithheldReason.Cooldown] = c[9],
                    [WithheldReason.PerCustomerCap] = c[10], [WithheldReason.Ineligible] = c[11],
                },
                c[6], ReactivationFigures.Median(days[g.Key]), new Retention(kept[0], kept[1]), new Retention(kept[2], kept[3]),
                new Retention(kept[4], kept[5]), money[g.Key]);
        }).ToList();
    }

    /// <summary>The filter as a condition on a rollup table aliased <c>e</c>; its parameters are set by <see cref="ReadAsync"/>.</summary>
    public static string Where(ReportFilter filter) =>
        "e.tenant_id = @tenant" + (filter.RuleId is null ? "" : " and e.rule_id = @rule")
        + (filter.From is null ? "" : " and e.lapse_date >= @from") + (filter.To is null ? "" : " and e.lapse_date <= @to");

    // Returns on a UTC day at least `days` before asOf's, and of those the ones not lapsed again within `days` of the return.
    private static string Retained(int days) =>
        $"coalesce(sum(returned) filter (where return_date <= (@asof - interval '{days} days')::date), 0), " +
        $"coalesce(sum(kept_{days}) filter (where return_date <= (@asof - interval '{days} days')::date), 0)";

    /// <summary>Runs one report query with the filter's parameters (@tenant, @asof, @rule, @from, @to), row by row.</summary>
    public static async Task ReadAsync(NpgsqlConnection connection, string sql, ReportFilter filter, string tenantId, DateTimeOffset asOf,
        Action<DbDataReader> row, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("asof", asOf.UtcDateTime);
        if (filter.RuleId is { } rule) command.Parameters.AddWithValue("rule", rule);
        if (filter.From is { } from) command.Parameters.AddWithValue("from", from);
        if (filter.To is { } to) command.Parameters.AddWithValue("to", to);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            row(reader);
    }
}
