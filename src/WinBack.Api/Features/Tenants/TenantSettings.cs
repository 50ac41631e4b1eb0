using Marten;
using WinBack.Domain.Tenants;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Tenants;

/// <summary>What a tenant's admins tune about their own tenant. One document per tenant, in the tenant's data; absent means the defaults.</summary>
[Published]
public sealed class TenantSettings
{
    public const string DocumentId = "settings";
    public const double DefaultAtRiskThreshold = 0.3;

    public string Id { get; set; } = DocumentId;
    /// <summary>The pAlive below which a customer counts as at risk (<c>risk.atRiskSince</c>); strictly between 0 and 1.</summary>
    public double AtRiskThreshold { get; set; } = DefaultAtRiskThreshold;
    /// <summary>The IANA time zone whose calendar days birthdays and anniversaries fall on (<see cref="TenantTimeZone"/>).</summary>
    public string TimeZone { get; set; } = TenantTimeZone.Default;

    /// <summary>The tenant's settings, or the defaults before any change (a primary-key read).</summary>
    public static async Task<TenantSettings> LoadAsync(IDocumentStore store, string tenantId, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenantId);
        return await session.LoadAsync<TenantSettings>(DocumentId, ct) ?? new TenantSettings();
    }
}
