using Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Rewards;

/// <summary>
/// How far a tenant's expiry run has got: every reward expiring at or before <see cref="Through"/> was handled, and every
/// reward whose expiry notice was due at or before <see cref="NoticedThrough"/> was noticed.
/// </summary>
public sealed class ExpiryCursor
{
    public const string TheId = "expiry";
    public string Id { get; init; } = TheId;
    public DateTimeOffset Through { get; set; }
    public DateTimeOffset NoticedThrough { get; set; }
}

/// <summary>
/// Notices and expires rewards up to a time: rewards whose expiry is within the lead (3 days by default) get
/// <see cref="RewardExpiryApproached"/> (the reward.expiring_soon webhook), and rewards whose expiry has come leave the
/// balance with <see cref="RewardExpired"/> at their exact expiresAt. The cost follows the rewards concerned, not all
/// rewards; the cursor only moves once every one of them is written or recorded as failed, so a failed run is simply run
/// again. A customer whose write fails does not hold up the others: it is recorded (<see cref="CustomerLoop"/>) and tried
/// again by every later run, which expires everything due by then; after N failures in a row it is parked until its next try.
/// </summary>
[Published]
public sealed class RewardExpiry(IDocumentStore store, CustomerEventWriter writer, BackgroundHealth health, TimeProvider wall,
    IOptions<WinBackOptions> options)
{
    public const string CustomerLoop = "expiry_customer";
    private TimeSpan Lead => options.Value.Engine.ExpiringSoonLead;

    /// <returns>The number of events written (notices and expiries).</returns>
    public async Task<int> RunAsync(string tenantId, DateTimeOffset through, CancellationToken ct)
    {
        await using var session = store.LightweightSession(tenantId);
        var cursor = await session.LoadAsync<ExpiryCursor>(ExpiryCursor.TheId, ct) ?? new ExpiryCursor { Through = DateTimeOffset.MinValue };
        if (through <= cursor.Through && through <= cursor.NoticedThrough)
            return 0;
        var (expiredFrom, noticedFrom, lead) = (cursor.Through, NoticedFrom(cursor), Lead);
        var expiring = await CustomersAsync(session, expiredFrom, through, ct);
        var noticed = await CustomersAsync(session, noticedFrom + lead, through + lead, ct);
        var failing = await health.FailingAsync(CustomerLoop, ct, tenantId);
        var retried = failing.All.Where(u => !failing.Waiting(tenantId, u.UnitId, wall.GetUtcNow())).Select(u => u.UnitId);
        // Notices first: a run that covers both moments records them in the order they happened.
        var results = await Task.WhenAll(expiring.Union(noticed).Union(retried).Select(async customerId =>
        {
            try
            {
                var written = await writer.WriteAsync(new CustomerEventWrite(tenantId, customerId, current =>
                    [..LedgerDecider.NoticeExpiries(current!, through, lead), ..LedgerDecider.Expire(current!, through)]));
                return (customerId, written.Events.Count, Failure: (Exception?)null);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                return (customerId, 0, Failure: e);
            }
        }));
        foreach (var (customerId, _, failure) in results.Where(r => r.Failure is not null))
            await health.FailedAsync(CustomerLoop, tenantId, customerId, failure!, ct);
        await health.ClearAsync(CustomerLoop, tenantId,
            results.Where(r => r.Failure is null && failing[tenantId, r.customerId] is not null).Select(r => r.customerId).ToList(), ct);
        cursor.Through = Max(cursor.Through, through);
        cursor.NoticedThrough = Max(cursor.NoticedThrough, through);
        session.Store(cursor);
        await session.SaveChangesAsync(ct);
        return results.Sum(r => r.Item2);
    }

    /// <summary>
    /// The earliest expiry or expiry notice after the cursor and no later than <paramref name="until"/>, but not before
    /// <paramref name="from"/> (a reward issued with less than the lead left is noticed at once). Test clocks step to it.
    /// </summary>
    public async Task<DateTimeOffset?> NextAsync(IQuerySession session, DateTimeOffset from, DateTimeOffset until, CancellationToken ct)
    {
        var cursor = await session.LoadAsync<ExpiryCursor>(ExpiryCursor.TheId, ct);
        var expiry = await FirstExpiryAsync(session, cursor?.Through ?? DateTimeOffset.MinValue, until, ct);
        var notice = await FirstExpiryAsync(session, NoticedFrom(cursor) + Lead, until + Lead, ct) - Lead;
        DateTimeOffset? next = expiry is null ? notice : notice is null ? expiry : expiry < notice ? expiry : notice;
        return next is { } t ? Max(t, from) : null;
    }

    // A cursor from before expiry notices existed: rewards that expired before its Through are closed already, so
    // notices start with those expiring after it, instead of reading every reward ever issued.
    private DateTimeOffset NoticedFrom(ExpiryCursor? cursor) =>
        cursor is null ? DateTimeOffset.MinValue
        : cursor.NoticedThrough != default ? cursor.NoticedThrough
        : cursor.Through == DateTimeOffset.MinValue ? DateTimeOffset.MinValue : cursor.Through - Lead;

    private static async Task<IReadOnlyList<string>> CustomersAsync(IQuerySession session, DateTimeOffset after, DateTimeOffset through,
        CancellationToken ct) =>
        await session.Query<RewardRecord>().Where(r => r.ExpiresAt > after && r.ExpiresAt <= through)
            .Select(r => r.CustomerId).Distinct().ToListAsync(ct);

    private static async Task<DateTimeOffset?> FirstExpiryAsync(IQuerySession session, DateTimeOffset after, DateTimeOffset through,
        CancellationToken ct)
    {
        var first = await session.Query<RewardRecord>().Where(r => r.ExpiresAt > after && r.ExpiresAt <= through)
            .OrderBy(r => r.ExpiresAt).Select(r => r.ExpiresAt).FirstOrDefaultAsync(ct);
        return first == default ? null : first;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
