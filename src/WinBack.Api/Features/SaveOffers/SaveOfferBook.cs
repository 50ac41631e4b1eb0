using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.SaveOffers;

/// <summary>A decision about one save offer, on its customer's current state, at the tenant's now.</summary>
public delegate IReadOnlyList<ICustomerEvent> SaveOfferDecision(Customer customer, SaveOfferState offer, DateTimeOffset now);

/// <summary>
/// The one path for answers to a save offer (accept, decline): find the offer's customer stream by its record, decide through the
/// customer event writer under the customer's lock, and read the record the same transaction wrote.
/// </summary>
public sealed class SaveOfferBook(IDocumentStore store, CustomerEventWriter writer, TenantClock clock)
{
    public async Task<SaveOfferRecord> FindAsync(string tenantId, string offerId, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenantId);
        return await session.LoadAsync<SaveOfferRecord>(offerId, ct) ?? throw ApiException.NotFound("save offer", offerId);
    }

    public async Task<SaveOfferRecord> ChangeAsync(string tenantId, string offerId, SaveOfferDecision decide, CancellationToken ct)
    {
        var record = await FindAsync(tenantId, offerId, ct);
        var now = await clock.NowAsync(tenantId, ct);
        await writer.WriteAsync(new CustomerEventWrite(tenantId, record.CustomerId, current => current!.SaveOffer(offerId) is { } offer
            ? decide(current, offer, now)
            // Only offers past the customer's bounded list of answered ones are gone from the state.
            : throw DomainRuleViolated.Conflict(SaveOfferDecider.NotOpen, $"Save offer {offerId} was answered long ago.")));
        return await FindAsync(tenantId, offerId, ct);
    }
}
