using Marten;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Common;
using static WinBack.Api.Features.Reports.RewardLiabilityTable;

namespace WinBack.Api.Features.Reports;

/// <summary>
/// The liability report's sums over <see cref="RewardLiabilityTable"/>. The series is one grouped query whose rows are the days
/// with a change and their running total per currency (O(days with a change) rows out, O(changes) read by the tenant index);
/// the expiring rewards are read by the expiry index, O(rewards expiring in the window).
/// </summary>
public static class LiabilityQuery
{
    /// <returns>The outstanding credit now, and at the end of each day from <paramref name="from"/> to <paramref name="to"/>.</returns>
    public static async Task<(IReadOnlyList<MoneyView> Now, IReadOnlyList<LiabilityDay> Days)> DailyAsync(IDocumentStore store, string tenantId,
        DateOnly from, DateOnly to, CancellationToken ct)
    {
        var changes = new List<(DateOnly Day, string Currency, long Running)>();
        await ReactivationQuery.ReadAsync(store, $"""
            with d as (select (at at time zone 'UTC')::date as day, currency, sum(credit) as credit from {TableName}
                       where tenant_id = @tenant and currency is not null group by 1, 2)
            select day, currency, sum(credit) over (partition by currency order by day) as running from d order by day, currency
            """, ReportFilter.All, tenantId, DateTimeOffset.UnixEpoch,
            r => changes.Add((r.Get<DateOnly>("day"), r.Get<string>("currency"), ReactivationQuery.Sum(r, "running"))), ct);

        var running = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var next = 0;
        var days = new List<LiabilityDay>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            for (; next < changes.Count && changes[next].Day <= day; next++)
                running[changes[next].Currency] = changes[next].Running;
            days.Add(new LiabilityDay(day, Views(running)));
        }
        foreach (var (_, currency, total) in changes)
            running[currency] = total;
        return (Views(running), days);
    }

    /// <summary>For each window: the rewards available at <paramref name="asOf"/> whose expiry falls within it, and their unused credit.</summary>
    public static async Task<IReadOnlyList<ExpiringRewards>> ExpiringAsync(IDocumentStore store, string tenantId, DateTimeOffset asOf,
        IReadOnlyList<int> windows, CancellationToken ct)
    {
        var rewards = new List<(DateTimeOffset ExpiresAt, string? Currency, long Credit)>();
        await ReactivationQuery.ReadAsync(store, $"""
            select i.expires_at, i.currency, sum(c.credit) as credit from {TableName} i
            join {TableName} c on c.tenant_id = i.tenant_id and c.reward_id = i.reward_id
            where i.tenant_id = @tenant and i.kind = '{IssuedKind}' and i.expires_at > @asof
              and i.expires_at <= @asof + make_interval(days => {windows.Max()})
              and (not i.pending or exists (select 1 from {TableName} r where r.tenant_id = i.tenant_id and r.change_id = 'ret:' || i.episode_id))
              and not exists (select 1 from {TableName} x where x.tenant_id = i.tenant_id and x.reward_id = i.reward_id and x.kind = '{ClosedKind}')
            group by i.reward_id, i.expires_at, i.currency
            having sum(c.credit) > 0 or sum(c.uses) > 0
            """, ReportFilter.All, tenantId, asOf,
            r => rewards.Add((r.Get<DateTimeOffset>("expires_at"), r.StringOrNull("currency"), ReactivationQuery.Sum(r, "credit"))), ct);

        return windows.Select(days =>
        {
            var within = rewards.Where(x => x.ExpiresAt <= asOf.AddDays(days)).ToList();
            var credit = within.Where(x => x.Currency is not null).GroupBy(x => x.Currency!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => Money.Sum(g.Select(x => x.Credit)));
            return new ExpiringRewards(days, within.Count, Views(new SortedDictionary<string, long>(credit, StringComparer.Ordinal)));
        }).ToList();
    }

    private static List<MoneyView> Views(SortedDictionary<string, long> amounts) =>
        amounts.Where(a => a.Value != 0).Select(a => new MoneyView(a.Value, a.Key)).ToList();
}
