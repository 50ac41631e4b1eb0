namespace WinBack.Api.Features.Tenants;

/// <summary>A company using WinBack. Platform-level document: it lives outside any tenant's data.</summary>
public sealed class Tenant
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required TenantMode Mode { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary><c>test</c> tenants get test keys (<c>wb_test_</c>) and, later, a test clock.</summary>
public enum TenantMode { Live, Test }
