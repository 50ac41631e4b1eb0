using Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Reports;

/// <summary>One day of the overview's chart (UTC days).</summary>
/// <param name="Lapsed">Episodes that lapsed that day.</param>
/// <param name="Rewarded">Of those, the ones that got a reward.</param>
/// <param name="Reactivated">Episodes whose customer came back that day.</param>
/// <param name="RevenueAfterReturn">Revenue after return of the episodes that came back that day, per currency.</param>
public sealed record OverviewDay(DateOnly Date, long Lapsed, long Rewarded, long Reactivated, IReadOnlyList<MoneyView> RevenueAfterReturn);

/// <summary>The overview's daily series, summed by UTC day from the report rollups, with every day of the range filled in.</summary>
public static class OverviewQuery
{
    public static async Task<IReadOnlyList<OverviewDay>> DailyAsync(IDocumentStore store, string tenantId, DateOnly from, DateOnly to,
        DateTimeOffset asOf, CancellationToken ct)
    {
        var lapsed = new Dictionary<DateOnly, (long Lapsed, long Rewarded)>();
        var returned = new Dictionary<DateOnly, long>();
        var revenue = new Dictionary<DateOnly, List<MoneyView>>();
        var all = ReportFilter.All;
        var range = new ReportFilter(null, from, to);
        // The caller's report has just refreshed the tenant's rollups; the three sums run at once.
        await Task.WhenAll(
            ReactivationQuery.ReadAsync(store,
                $"select e.lapse_date, sum(episodes) as episodes, sum(rewarded) as rewarded from {ReportRollups.Counts} e where {ReactivationQuery.Where(range)} group by 1",
                range, tenantId, asOf, r => lapsed[r.Get<DateOnly>("lapse_date")] = (ReactivationQuery.Sum(r, "episodes"), ReactivationQuery.Sum(r, "rewarded")), ct),
            // Returns in the range, whenever their episode lapsed.
            ReactivationQuery.ReadAsync(store, $"""
                select e.return_date, sum(returned) as returned from {ReportRollups.Returns} e
                where {ReactivationQuery.Where(all)} and e.return_date between @from and @to group by 1
                """, range, tenantId, asOf, r => returned[r.Get<DateOnly>("return_date")] = ReactivationQuery.Sum(r, "returned"), ct),
            ReactivationQuery.ReadAsync(store, $"""
                select e.return_date, e.currency, sum(revenue) as revenue from {ReportRollups.ReturnRevenue} e
                where {ReactivationQuery.Where(all)} and e.return_date between @from and @to group by 1, 2 order by 2
                """, range, tenantId, asOf, r =>
            {
                var day = r.Get<DateOnly>("return_date");
                (revenue.TryGetValue(day, out var list) ? list : revenue[day] = []).Add(new MoneyView(ReactivationQuery.Sum(r, "revenue"), r.Get<string>("currency")));
            }, ct));

        var days = new List<OverviewDay>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            var (l, rewarded) = lapsed.GetValueOrDefault(day);
            days.Add(new OverviewDay(day, l, rewarded, returned.GetValueOrDefault(day), revenue.GetValueOrDefault(day) ?? []));
        }
        return days;
    }
}
