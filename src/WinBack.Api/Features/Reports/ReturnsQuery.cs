using Marten;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Features.Reports;

/// <summary>
/// The returns report's sums, from the report rollups (episodes per group, and returns per group and whole day from lapse to return),
/// so a request reads O(groups in the months) rows, not the episodes. The caller refreshes the tenant's rollups first.
/// </summary>
public static class ReturnsQuery
{
    public static async Task<IReadOnlyList<ReturnCohort>> CohortsAsync(IDocumentStore store, string tenantId, DateOnly fromMonth, DateOnly toMonth,
        int weeks, CancellationToken ct)
    {
        var filter = new ReportFilter(null, fromMonth, toMonth.AddMonths(1).AddDays(-1));
        var lapsed = new Dictionary<string, long>();
        var returned = new List<(string Month, int Days, long Count)>();
        await Task.WhenAll(
            ReactivationQuery.ReadAsync(store,
                $"select to_char(e.lapse_date, 'YYYY-MM') as month, sum(episodes) as episodes from {ReportRollups.Counts} e where {ReactivationQuery.Where(filter)} group by 1",
                filter, tenantId, DateTimeOffset.UnixEpoch, r => lapsed[r.Get<string>("month")] = ReactivationQuery.Sum(r, "episodes"), ct),
            ReactivationQuery.ReadAsync(store,
                $"select to_char(e.lapse_date, 'YYYY-MM') as month, e.days, sum(returned) as returned from {ReportRollups.Days} e where {ReactivationQuery.Where(filter)} group by 1, 2",
                filter, tenantId, DateTimeOffset.UnixEpoch, r => returned.Add((r.Get<string>("month"), r.Get<int>("days"), ReactivationQuery.Sum(r, "returned"))), ct));

        var returnedIn = returned.ToLookup(r => r.Month);
        var cohorts = new List<ReturnCohort>();
        for (var month = fromMonth; month <= toMonth; month = month.AddMonths(1))
        {
            var key = month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
            var byWeek = new long[weeks];
            long later = 0, within30 = 0, within60 = 0, within90 = 0;
            foreach (var (_, days, count) in returnedIn[key])
            {
                // A return stamped before its lapse (a backdated activity) counts in the first week.
                var week = Math.Max(days, 0) / 7;
                if (week < weeks) byWeek[week] += count;
                else later += count;
                if (days < 30) within30 += count;
                if (days < 60) within60 += count;
                if (days < 90) within90 += count;
            }
            cohorts.Add(new ReturnCohort(key, lapsed.GetValueOrDefault(key), byWeek, later, within30, within60, within90));
        }
        return cohorts;
    }
}
