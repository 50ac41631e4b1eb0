using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Tenants;

namespace WinBack.Api.Features.Tenants;

/// <summary>A company using WinBack. Platform-level document: it lives outside any tenant's data.</summary>
[Published]
public sealed class Tenant
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required TenantMode Mode { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}
