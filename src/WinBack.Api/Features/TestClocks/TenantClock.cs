using System.Collections.Concurrent;
using Marten;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Tenants;

namespace WinBack.Api.Features.TestClocks;

/// <summary>
/// A test tenant's own time: frozen until advanced, as Stripe's test clocks are. It starts at the tenant's creation
/// and only moves forward. Platform-level document, one per test tenant, written on the first advance.
/// </summary>
public sealed class TestClock
{
    public required string Id { get; init; }
    public required DateTimeOffset Now { get; set; }
}

/// <summary>
/// The one clock for a tenant's business time: when activities happen by default, when rewards are issued,
/// redeemed and expire, and where sweeps stand. Live tenants follow the wall clock (<see cref="TimeProvider"/>);
/// test tenants follow their <see cref="TestClock"/>. Operational timestamps (keys, rules, jobs) stay on the wall clock.
/// </summary>
[Published]
public sealed class TenantClock(IDocumentStore store, TimeProvider wall)
{
    // A tenant's mode and creation time never change, so they are remembered for the life of the process.
    private readonly ConcurrentDictionary<string, Tenant> _tenants = new();

    public async Task<DateTimeOffset> NowAsync(string tenantId, CancellationToken ct)
    {
        var tenant = await TenantAsync(tenantId, ct);
        if (tenant.Mode == TenantMode.Live)
            return wall.GetUtcNow();
        await using var session = store.QuerySession();
        return (await session.LoadAsync<TestClock>(tenantId, ct))?.Now ?? tenant.CreatedAt;
    }

    private async Task<Tenant> TenantAsync(string tenantId, CancellationToken ct)
    {
        if (_tenants.TryGetValue(tenantId, out var known))
            return known;
        await using var session = store.QuerySession();
        var tenant = await session.LoadAsync<Tenant>(tenantId, ct) ?? throw new InvalidOperationException($"No tenant {tenantId}.");
        return _tenants.GetOrAdd(tenantId, tenant);
    }
}
