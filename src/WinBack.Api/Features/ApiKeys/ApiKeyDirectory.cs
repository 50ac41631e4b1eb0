using WinBack.Api.Infrastructure.Auth;

namespace WinBack.Api.Features.ApiKeys;

/// <summary>The auth path's view of the keys: a key found by its secret's hash, in any tenant, in the master database only.</summary>
public sealed class ApiKeyDirectory(ApiKeyStore keys) : IApiKeyDirectory
{
    public async Task<ApiKeyIdentity?> FindActiveAsync(string secretHash, CancellationToken ct) =>
        await keys.FindActiveBySecretHashAsync(secretHash, ct) is ({ TenantId: { } tenantId } key, var apiVersion)
            ? new ApiKeyIdentity(key.Id, tenantId, key.Mode, key.Scope.AsClaim(), key.SecretHash, apiVersion)
            : null;
}
