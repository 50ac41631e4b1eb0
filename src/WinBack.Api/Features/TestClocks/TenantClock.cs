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
public sealed class TenantClock(IDocumentStore store, TenantStore tenants, TimeProvider wall)
{
    // A tenant's mode and creation time never change, so they are remembered for the life of the process.
    private readonly ConcurrentDictionary<string, Tenant> _tenants = new();

    public async Task<DateTimeOffset> NowAsync(string tenantId, CancellationToken ct)
    {
        var tenant = await TenantAsync(tenantId, ct);
        if (FollowsWallClock(tenant.Mode))
            return wall.GetUtcNow();
        await using var session = store.QuerySession(tenantId); // the clock lives on the tenant's shard
        return (await session.LoadAsync<TestClock>(tenantId, ct))?.Now ?? tenant.CreatedAt;
    }

    /// <summary>The tenants on the shard whose time is the wall clock: the engine sweeps and expires them on its own cadence. The others wait for their clock to be advanced.</summary>
    public Task<IReadOnlyList<string>> WallClockTenantsAsync(string shard, CancellationToken ct) => tenants.LiveTenantIdsAsync(shard, ct);

    /// <summary>Moves a test tenant's clock to <paramref name="now"/> (the caller keeps it from going back).</summary>
    public async Task SetAsync(string tenantId, DateTimeOffset now, CancellationToken ct)
    {
        if (FollowsWallClock((await TenantAsync(tenantId, ct)).Mode))
            throw new InvalidOperationException($"Tenant {tenantId} is live: its time is the wall clock.");
        await using var session = store.LightweightSession(tenantId);
        session.Store(new TestClock { Id = tenantId, Now = now });
        await session.SaveChangesAsync(ct);
    }

    // Kept in step with TenantStore.LiveTenantIdsAsync, which says the same to the database.
    private static bool FollowsWallClock(TenantMode mode) => mode == TenantMode.Live;

    private async Task<Tenant> TenantAsync(string tenantId, CancellationToken ct)
    {
        if (_tenants.TryGetValue(tenantId, out var known))
            return known;
        var tenant = await tenants.FindAsync(tenantId, ct) ?? throw new InvalidOperationException($"No tenant {tenantId}.");
        return _tenants.GetOrAdd(tenantId, tenant);
    }
}
