using Marten;
using WinBack.Api.Infrastructure.Auth;

namespace WinBack.Api.Features.ApiKeys;

/// <summary>The auth path's view of the keys: a key found by its secret's hash, in any tenant.</summary>
public sealed class ApiKeyDirectory(IDocumentStore store) : IApiKeyDirectory
{
    public async Task<ApiKeyIdentity?> FindActiveAsync(string secretHash, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var key = await session.Query<ApiKey>()
            .Where(k => k.AnyTenant() && k.SecretHash == secretHash)
            .FirstOrDefaultAsync(ct);
        return key is { RevokedAt: null, TenantId: { } tenantId }
            ? new ApiKeyIdentity(key.Id, tenantId, key.Mode, key.Scope.AsClaim(), key.SecretHash)
            : null;
    }
}
