using System.Collections.Concurrent;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Webhooks;

/// <summary>The attempts the dispatcher has under way (sent, outcome not yet recorded), counted per tenant and per endpoint.</summary>
public sealed class InFlightDeliveries
{
    private readonly ConcurrentDictionary<string, DueDelivery> _byId = new();

    public int Count => _byId.Count;

    public void Add(DueDelivery delivery) => _byId[delivery.Id] = delivery;

    public void Remove(string deliveryId) => _byId.TryRemove(deliveryId, out _);

    /// <summary>What each tenant and endpoint holds now, for the next round.</summary>
    public FairShare Share(WebhookOptions limits, string? after)
    {
        var now = _byId.Values.ToList();
        return new FairShare(limits.MaxInFlightPerTenant, limits.MaxInFlightPerEndpoint,
            now.GroupBy(d => d.TenantId).ToDictionary(g => g.Key, g => g.Count()),
            now.GroupBy(d => d.EndpointId).ToDictionary(g => g.Key, g => g.Count()),
            now.Select(d => d.Id).ToList(), after);
    }
}

/// <summary>How many attempts each tenant and endpoint may still start, and where the last round stopped.</summary>
/// <param name="BusyTenants">Attempts in flight per tenant.</param>
/// <param name="BusyEndpoints">Attempts in flight per endpoint.</param>
/// <param name="After">The tenant served last; the tenants after it go first this time.</param>
public sealed record FairShare(int PerTenant, int PerEndpoint, IReadOnlyDictionary<string, int> BusyTenants,
    IReadOnlyDictionary<string, int> BusyEndpoints, IReadOnlyCollection<string> InFlight, string? After)
{
    /// <summary>Endpoints at their cap: none of theirs is picked this round.</summary>
    public IReadOnlyList<string> FullEndpoints => BusyEndpoints.Where(e => e.Value >= PerEndpoint).Select(e => e.Key).ToList();
}
