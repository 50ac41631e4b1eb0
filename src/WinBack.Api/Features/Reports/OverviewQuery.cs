using Marten;
using WinBack.Api.Features.Customers;

namespace WinBack.Api.Features.Reports;

/// <summary>One day of the overview's chart (UTC days).</summary>
/// <param name="Lapsed">Episodes that lapsed that day.</param>
/// <param name="Rewarded">Of those, the ones that got a reward.</param>
/// <param name="Reactivated">Episodes whose customer came back that day.</param>
/// <param name="RevenueAfterReturn">Revenue after return of the episodes that came back that day, per currency.</param>
public sealed record OverviewDay(DateOnly Date, long Lapsed, long Rewarded, long Reactivated, IReadOnlyList<MoneyView> RevenueAfterReturn);

/// <summary>The overview's daily series: three group-bys by UTC day over the lapse episode table, then every day of the range filled in.</summary>
public static class OverviewQuery
{
    public static async Task<IReadOnlyList<OverviewDay>> DailyAsync(IDocumentStore store, string tenantId, DateTimeOffset from, DateTimeOffset to,
        DateTimeOffset asOf, CancellationToken ct)
    {
        var lapsed = new Dictionary<DateOnly, (long Lapsed, long Rewarded)>();
        var returned = new Dictionary<DateOnly, long>();
        var revenue = new Dictionary<DateOnly, List<MoneyView>>();
        var filter = new ReportFilter(null, from, to);
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await ReactivationQuery.ReadAsync(connection, $"""
            select (e.lapsed_at at time zone 'UTC')::date, count(*), count(e.reward_id)
            from {LapseEpisodeTable.Episodes} e where {ReactivationQuery.Where(filter)} group by 1
            """, filter, tenantId, asOf, r => lapsed[DateOnly.FromDateTime(r.GetDateTime(0))] = (r.GetInt64(1), r.GetInt64(2)), ct);
        // Returns in the range, whenever their episode lapsed.
        var returns = new ReportFilter(null, null, null);
        var inRange = "e.returned_at >= @from and e.returned_at < @to";
        await ReactivationQuery.ReadAsync(connection, $"""
            select (e.returned_at at time zone 'UTC')::date, count(*)
            from {LapseEpisodeTable.Episodes} e where {ReactivationQuery.Where(returns)} and {inRange} group by 1
            """, filter, tenantId, asOf, r => returned[DateOnly.FromDateTime(r.GetDateTime(0))] = r.GetInt64(1), ct);
        await ReactivationQuery.ReadAsync(connection, $"""
            select (e.returned_at at time zone 'UTC')::date, v.currency, sum(v.amount)::bigint
            from {LapseEpisodeTable.Episodes} e
            join {LapseEpisodeTable.Revenue} v on v.tenant_id = e.tenant_id and v.episode_id = e.episode_id
            where {ReactivationQuery.Where(returns)} and {inRange} group by 1, 2 order by 2
            """, filter, tenantId, asOf, r =>
        {
            var day = DateOnly.FromDateTime(r.GetDateTime(0));
            (revenue.TryGetValue(day, out var list) ? list : revenue[day] = []).Add(new MoneyView(r.GetInt64(2), r.GetString(1)));
        }, ct);

        var days = new List<OverviewDay>();
        for (var day = DateOnly.FromDateTime(from.UtcDateTime); day.ToDateTime(TimeOnly.MinValue) < to.UtcDateTime; day = day.AddDays(1))
        {
            var (l, rewarded) = lapsed.GetValueOrDefault(day);
            days.Add(new OverviewDay(day, l, rewarded, returned.GetValueOrDefault(day), revenue.GetValueOrDefault(day) ?? []));
        }
        return days;
    }
}
