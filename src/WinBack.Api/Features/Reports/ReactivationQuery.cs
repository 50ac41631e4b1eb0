using System.Data.Common;
using Marten;
using Npgsql;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Common;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Customers;
using WinBack.Domain.Reports;

namespace WinBack.Api.Features.Reports;

/// <summary>How report rows are grouped; <see cref="All"/> makes one row of everything (the overview's totals).</summary>
public enum ReportGrouping { Rule, Variant, LapseMonth, ChurnReason, Trigger, All }

/// <summary>Which episodes a report covers: one rule's, lapsed on the UTC days from <see cref="From"/> to <see cref="To"/> inclusive.</summary>
/// <param name="RuleIds">When set, only these rules' episodes (the signal report's: its rules).</param>
public sealed record ReportFilter(string? RuleId, DateOnly? From, DateOnly? To, IReadOnlyList<string>? RuleIds = null)
{
    /// <summary>Every rule, all time.</summary>
    public static readonly ReportFilter All = new(null, null, null);
}

/// <summary>Won-back episodes old enough to know (returned at least <c>days</c> before asOf), and those not lapsed again by then.</summary>
public sealed record Retention(long Known, long Retained);

/// <summary>A report group left out of reports: its money cannot be summed (amounts stored before they were bounded).</summary>
/// <param name="LapseDate">The UTC day its episodes lapsed.</param>
/// <param name="ChurnReason">The churn reason at lapse time; "none" when there was none.</param>
/// <param name="Reason">Which sum is too large, and what to do.</param>
public sealed record ParkedReportGroup(string RuleId, string Variant, DateOnly LapseDate, string ChurnReason, string Reason, DateTimeOffset ParkedAt)
{
    public static ParkedReportGroup Of(UnitFailure unit)
    {
        var key = unit.UnitId.Split('/');
        return new ParkedReportGroup(key[0], key[1], DateOnly.ParseExact(key[2], "yyyy-MM-dd"), key[3], unit.Reason, unit.ParkedAt!.Value);
    }
}

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
    public static async Task<IReadOnlyList<ReportGroup>> RunAsync(IDocumentStore store, BackgroundHealth health, string tenantId, ReportFilter filter,
        ReportGrouping grouping, DateTimeOffset asOf, CancellationToken ct)
    {
        var key = grouping switch
        {
            ReportGrouping.Rule => "e.rule_id",
            ReportGrouping.Variant => "e.variant",
            ReportGrouping.LapseMonth => "to_char(e.lapse_date, 'YYYY-MM')",
            ReportGrouping.ChurnReason => "e.churn_reason",
            // The rule's current trigger type (a rule's episodes are grouped under the trigger it has now).
            ReportGrouping.Trigger => $"coalesce((select r.data -> 'state' -> 'definition' -> 'trigger' ->> 'type' from {Sql.TableOf<Rules.RuleSummary>(store)} r " +
                                      "where r.tenant_id = e.tenant_id and r.id = e.rule_id), 'unknown')",
            _ => "'all'",
        };
        var where = Where(filter);
        await ReportRollups.RefreshAsync(store, health, tenantId, ct);

        // Four independent sums, each on a connection of its own, at once.
        var counts = new Dictionary<string, Sums>();
        var money = new Dictionary<string, Dictionary<string, GroupMoney>>();
        var days = new Dictionary<string, List<(int, long)>>();
        var recent = new Dictionary<string, Sums>();
        await Task.WhenAll(
            ReadAsync(store, $"""
                select {key} as key, {SumsOf("episodes", "treated", "treated_returned", "held_out", "held_out_returned", "rewarded", "returned",
                    "withheld_holdout", "withheld_budget", "withheld_cooldown", "withheld_per_customer_cap", "withheld_ineligible",
                    "kept_30", "kept_60", "kept_90")}
                from {ReportRollups.Counts} e where {where} group by 1
                """, filter, tenantId, asOf, r => counts[r.Get<string>("key")] = new Sums(r), ct),
            ReadAsync(store, $"""
                select {key} as key, currency, {SumsOf("revenue", "treated_revenue", "held_out_revenue", "issued", "redeemed", "expired", "outstanding")}
                from {ReportRollups.Money} e where {where} group by 1, 2
                """, filter, tenantId, asOf, r =>
            {
                var m = new Sums(r);
                (money.TryGetValue(r.Get<string>("key"), out var byCurrency) ? byCurrency : money[r.Get<string>("key")] = [])[r.Get<string>("currency")] =
                    new GroupMoney(m["revenue"], m["treated_revenue"], m["held_out_revenue"], m["issued"], m["redeemed"], m["expired"], m["outstanding"]);
            }, ct),
            ReadAsync(store, $"select {key} as key, days, {SumsOf("returned")} from {ReportRollups.Days} e where {where} group by 1, 2",
                filter, tenantId, asOf,
                r => (days.TryGetValue(r.Get<string>("key"), out var list) ? list : days[r.Get<string>("key")] = []).Add((r.Get<int>("days"), Sum(r, "returned"))), ct),
            // Returns too recent to count at 30, 60 or 90 days: only the last 90 days of returns are read.
            ReadAsync(store, $"""
                select {key} as key, {Recent(30)}, {Recent(60)}, {Recent(90)}
                from {ReportRollups.Returns} e where {where} and e.return_date > (@asof - interval '90 days')::date group by 1
                """, filter, tenantId, asOf, r => recent[r.Get<string>("key")] = new Sums(r), ct));

        return counts.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var c = g.Value;
            var young = recent.GetValueOrDefault(g.Key);
            Retention At(int days) => new(c["returned"] - (young?[$"returned_{days}"] ?? 0), c[$"kept_{days}"] - (young?[$"kept_{days}"] ?? 0));
            return new ReportGroup(g.Key, c["episodes"], new EpisodeCounts(c["treated"], c["treated_returned"], c["held_out"], c["held_out_returned"]),
                c["rewarded"],
                new Dictionary<WithheldReason, long>
                {
                    [WithheldReason.Holdout] = c["withheld_holdout"], [WithheldReason.Budget] = c["withheld_budget"],
                    [WithheldReason.Cooldown] = c["withheld_cooldown"], [WithheldReason.PerCustomerCap] = c["withheld_per_customer_cap"],
                    [WithheldReason.Ineligible] = c["withheld_ineligible"],
                },
                c["returned"], ReactivationFigures.Median(days.GetValueOrDefault(g.Key) ?? []), At(30), At(60), At(90),
                money.GetValueOrDefault(g.Key) ?? new Dictionary<string, GroupMoney>());
        }).ToList();
    }

    // Each column summed, under its own name.
    private static string SumsOf(params string[] columns) => string.Join(", ", columns.Select(c => $"sum({c}) as {c}"));

    /// <summary>A row's sums, read by column name (every column but the group's key and currency).</summary>
    private sealed class Sums(DbDataReader r)
    {
        private readonly Dictionary<string, long> _byName = Enumerable.Range(0, r.FieldCount).Select(r.GetName)
            .Where(n => n is not ("key" or "currency")).ToDictionary(n => n, n => Sum(r, n));

        public long this[string column] => _byName[column];
    }

    /// <summary>
    /// A sum read from PostgreSQL (numeric, so it never overflows there), as the 64-bit integer a report shows; a sum past that
    /// range (millions of maximal amounts in one row) is a 422 that says how to narrow the report, not an OverflowException.
    /// </summary>
    public static long Sum(DbDataReader r, string column)
    {
        if (r.ValueOrNull<decimal>(column) is not { } value)
            return 0;
        return value is >= long.MinValue and <= long.MaxValue
            ? (long)value
            : throw new DomainRuleViolated(SumOutOfRange, $"A figure of this report sums to {value}, past the largest it can show " +
                                                          $"({long.MaxValue}); narrow it with ruleId, from and to.");
    }

    public const string SumOutOfRange = "report_sum_out_of_range";

    /// <summary>The tenant's groups left out of reports because they cannot be summed, within the filter.</summary>
    public static async Task<IReadOnlyList<ParkedReportGroup>> ParkedAsync(BackgroundHealth health, string tenantId, ReportFilter filter,
        CancellationToken ct) =>
        (await health.FailingAsync(ReportRollups.Loop, ct, tenantId)).All.Where(u => u.Parked)
            .Select(ParkedReportGroup.Of)
            .Where(g => (filter.RuleId is null || g.RuleId == filter.RuleId) && (filter.From is null || g.LapseDate >= filter.From)
                        && (filter.To is null || g.LapseDate <= filter.To))
            .OrderBy(g => g.LapseDate).ThenBy(g => g.RuleId, StringComparer.Ordinal).ToList();

    // Returns after the UTC day `days` before asOf's: not yet known at that mark (all, and those not lapsed again).
    private static string Recent(int days) =>
        $"sum(returned) filter (where return_date > (@asof - interval '{days} days')::date) as returned_{days}, " +
        $"sum(kept_{days}) filter (where return_date > (@asof - interval '{days} days')::date) as kept_{days}";

    /// <summary>Runs one report query on a connection of its own, so that several can run at once.</summary>
    public static async Task ReadAsync(IDocumentStore store, string sql, ReportFilter filter, string tenantId, DateTimeOffset asOf,
        Action<DbDataReader> row, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await ReadAsync(connection, sql, filter, tenantId, asOf, row, ct);
    }

    /// <summary>The filter as a condition on a rollup table aliased <c>e</c>; its parameters are bound by ReadAsync.</summary>
    public static string Where(ReportFilter filter) =>
        "e.tenant_id = @tenant" + (filter.RuleId is null ? "" : " and e.rule_id = @rule") + (filter.RuleIds is null ? "" : " and e.rule_id = any(@rules)")
        + (filter.From is null ? "" : " and e.lapse_date >= @from") + (filter.To is null ? "" : " and e.lapse_date <= @to");

    /// <summary>Runs one report query with the filter's parameters (@tenant, @asof, @rule, @from, @to), row by row.</summary>
    public static async Task ReadAsync(NpgsqlConnection connection, string sql, ReportFilter filter, string tenantId, DateTimeOffset asOf,
        Action<DbDataReader> row, CancellationToken ct)
    {
        var parameters = new List<(string, object?)> { ("tenant", tenantId), ("asof", asOf.UtcDateTime) };
        if (filter.RuleId is { } rule) parameters.Add(("rule", rule));
        if (filter.RuleIds is { } rules) parameters.Add(("rules", rules.ToArray()));
        if (filter.From is { } from) parameters.Add(("from", from));
        if (filter.To is { } to) parameters.Add(("to", to));
        await using var command = Sql.Command(connection, sql, [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            row(reader);
    }
}
