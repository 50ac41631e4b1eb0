using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.SaveOffers;

/// <summary>
/// Settles the tenant's saves whose outcome is due by a time (<see cref="SaveOfferDecider.Settle"/>): saved 30 days after the accept
/// (after the pause end, if later) once a payment came after a pause or trial extension, lost when the customer cancelled first; the
/// holdout's offers the same way, for comparison. Units are customers: each is decided on its own stream through the customer event
/// writer (safe to run again: a settled offer is not due any more), and one that fails is recorded (<see cref="CustomerLoop"/>), parked
/// after N failures in a row, and never holds up the others. Its cost follows the saves due, not all customers: the engine runs it on
/// the expiry cadence for live tenants, a test clock at every due moment it passes. A save still waiting for its payment is looked at
/// again by every later run, until the payment or a cancellation settles it.
/// </summary>
[Published]
public sealed class SaveValidation(IDocumentStore store, CustomerEventWriter writer, BackgroundHealth health, TimeProvider wall)
{
    public const string CustomerLoop = "save_validation_customer";

    /// <returns>The number of saves settled.</returns>
    public async Task<int> RunAsync(string tenantId, DateTimeOffset through, CancellationToken ct)
    {
        IReadOnlyList<string> due;
        await using (var session = store.QuerySession(tenantId))
            due = await session.Query<SaveOfferRecord>().Where(r => r.ValidatesAt <= through).Select(r => r.CustomerId).Distinct().ToListAsync(ct);
        var failing = await health.FailingAsync(CustomerLoop, ct, tenantId);
        var settled = 0;
        foreach (var customerId in due.Where(id => !failing.Waiting(tenantId, id, wall.GetUtcNow())))
        {
            try
            {
                var written = await writer.WriteAsync(new CustomerEventWrite(tenantId, customerId, current => SaveOfferDecider.Settle(current!, through)));
                settled += written.Events.Count;
                if (failing[tenantId, customerId] is not null)
                    await health.ClearAsync(CustomerLoop, tenantId, [customerId], ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                await health.FailedAsync(CustomerLoop, tenantId, customerId, e, ct);
            }
        }
        return settled;
    }

    /// <summary>The first moment after <paramref name="after"/>, up to <paramref name="until"/>, at which a save comes due; test clocks step to it.</summary>
    public static async Task<DateTimeOffset?> NextAsync(IQuerySession session, DateTimeOffset after, DateTimeOffset until, CancellationToken ct)
    {
        var next = await session.Query<SaveOfferRecord>().Where(r => r.ValidatesAt > after && r.ValidatesAt <= until)
            .OrderBy(r => r.ValidatesAt).Select(r => r.ValidatesAt!.Value).FirstOrDefaultAsync(ct);
        return next == default ? null : next;
    }
}
