using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Rewards;

/// <summary>How far a tenant's expiry run has got: every reward expiring at or before <see cref="Through"/> was handled.</summary>
public sealed class ExpiryCursor
{
    public const string TheId = "expiry";
    public string Id { get; init; } = TheId;
    public DateTimeOffset Through { get; set; }
}

/// <summary>
/// Expires the rewards whose expiry falls in (cursor, through]: each customer's due rewards leave the balance
/// with <see cref="RewardExpired"/> at their exact expiresAt. The cost follows the rewards expiring, not all rewards;
/// the cursor only moves once every one of them is written, so a failed run is simply run again.
/// </summary>
public sealed class RewardExpiry(IDocumentStore store, CustomerEventWriter writer)
{
    /// <returns>The number of rewards expired.</returns>
    public async Task<int> RunAsync(string tenantId, DateTimeOffset through, CancellationToken ct)
    {
        await using var session = store.LightweightSession(tenantId);
        var cursor = await session.LoadAsync<ExpiryCursor>(ExpiryCursor.TheId, ct) ?? new ExpiryCursor { Through = DateTimeOffset.MinValue };
        if (through <= cursor.Through)
            return 0;
        var from = cursor.Through;
        var customers = await session.Query<RewardRecord>()
            .Where(r => r.ExpiresAt > from && r.ExpiresAt <= through)
            .Select(r => r.CustomerId).Distinct().ToListAsync(ct);
        var written = await writer.WriteAllAsync(customers.Select(customerId =>
            new CustomerEventWrite(tenantId, customerId, current => LedgerDecider.Expire(current!, through))));
        cursor.Through = through;
        session.Store(cursor);
        await session.SaveChangesAsync(ct);
        return written.Sum(w => w.Events.Count);
    }

    /// <summary>The earliest expiry after the cursor and no later than <paramref name="until"/>, if any (test clocks step to it).</summary>
    public static async Task<DateTimeOffset?> NextAsync(IQuerySession session, DateTimeOffset until, CancellationToken ct)
    {
        var cursor = await session.LoadAsync<ExpiryCursor>(ExpiryCursor.TheId, ct);
        var from = cursor?.Through ?? DateTimeOffset.MinValue;
        var next = await session.Query<RewardRecord>().Where(r => r.ExpiresAt > from && r.ExpiresAt <= until)
            .OrderBy(r => r.ExpiresAt).Select(r => r.ExpiresAt).FirstOrDefaultAsync(ct);
        return next == default ? null : next;
    }
}
