using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using WinBack.Api.Features.ApiKeys;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Tenants;

namespace WinBack.Api.Features.Tenants;

/// <summary>
/// Development only: makes sure a demo tenant exists and prints a fresh admin key for it, with the
/// Swagger URL. The key of the previous start is revoked, because secrets cannot be shown twice.
/// </summary>
public sealed class DevelopmentStartup(TenantStore tenants, TenantPlacement placement, ApiKeyStore keys, Ids ids, TimeProvider clock, PlatformKey platformKey,
    IServer server, IHostApplicationLifetime lifetime) : IHostedService
{
    public const string DemoTenantName = "demo";
    private const string StartupKeyDescription = "demo admin key (printed at start-up)";

    /// <summary>The admin key minted by this start, as printed in the banner.</summary>
    public string? DemoAdminKey { get; private set; }

    public async Task StartAsync(CancellationToken ct)
    {
        var tenant = await EnsureDemoTenantAsync(ct);
        DemoAdminKey = await RotateStartupKeyAsync(tenant, ct);
        lifetime.ApplicationStarted.Register(() => PrintBanner(DemoAdminKey));
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    private async Task<Tenant> EnsureDemoTenantAsync(CancellationToken ct) =>
        await tenants.FindActiveByNameAsync(DemoTenantName, ct)
        ?? await placement.CreateAsync(new Tenant
        {
            Id = ids.New("ten"), Name = DemoTenantName, Mode = TenantMode.Test, CreatedAt = clock.GetUtcNow(), Shard = "", Status = TenantStatus.Provisioning,
        }, shard: null, keys: [], ct);

    private async Task<string> RotateStartupKeyAsync(Tenant tenant, CancellationToken ct)
    {
        foreach (var key in await keys.ActiveWithDescriptionAsync(tenant.Id, StartupKeyDescription, ct))
            await keys.RevokeAsync(tenant.Id, key.Id, clock.GetUtcNow(), ct);
        var minted = MintedApiKey.Mint(ids, clock, tenant.Mode, ApiKeyScope.Admin, StartupKeyDescription);
        if (!await keys.TryInsertWithinLimitAsync(tenant.Id, minted.Key, int.MaxValue, ct))
            throw new InvalidOperationException("Unreachable: no limit.");
        return minted.Secret;
    }

    private void PrintBanner(string demoAdminKey)
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://127.0.0.1:5080";
        var platform = platformKey.Generated
            ? $"{platformKey.Secret}   (generated for this run; set WinBack__PlatformKey to keep one)"
            : "(from WinBack__PlatformKey)";
        Console.WriteLine($"""

            ──────────────────────────────────────────────────────────────
             WinBack is running
               Swagger UI      {address}/swagger
               Demo admin key  {demoAdminKey}
               Platform key    {platform}
             In Swagger: Authorize → paste the demo admin key.
            ──────────────────────────────────────────────────────────────

            """);
    }
}
