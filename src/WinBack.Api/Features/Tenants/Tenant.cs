using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Tenants;

namespace WinBack.Api.Features.Tenants;

/// <summary>A company using WinBack. Platform data: it lives in the master database, with the shard its own data lives on.</summary>
[Published]
public sealed class Tenant
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required TenantMode Mode { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>The shard that holds the tenant's data (<see cref="Infrastructure.Sharding.ShardLayout"/>).</summary>
    public required string Shard { get; init; }
    public required TenantStatus Status { get; init; }
    /// <summary>The API version its keys' requests are served at when they send no API-Version header; set to the latest at creation.</summary>
    public string ApiVersion { get; init; } = Infrastructure.Http.ApiVersions.Latest;
}

/// <summary>
/// <c>provisioning</c> while its shard is prepared (no key exists yet, so nobody can call as it); <c>active</c> once its
/// keys are minted.
/// </summary>
[Published]
public enum TenantStatus { Provisioning, Active }
