using WinBack.Domain.Tenants;

namespace WinBack.Api.Infrastructure.Auth;

/// <summary>
/// What authentication needs to know of a tenant's live key. <paramref name="Scope"/> is one of <see cref="ApiScopes"/>;
/// <paramref name="ApiVersion"/> is the tenant's pinned version, read with the key so that defaulting costs no extra read.
/// </summary>
public sealed record ApiKeyIdentity(string KeyId, string TenantId, TenantMode Mode, string Scope, string SecretHash, string ApiVersion);

/// <summary>
/// Finds a tenant's key by the hash of its secret. The ApiKeys feature owns the keys and implements it; the one auth
/// path (<see cref="ApiKeyAuthenticationHandler"/>) asks it, so that Infrastructure names no feature.
/// </summary>
public interface IApiKeyDirectory
{
    /// <summary>The key with that secret hash, or null when it is unknown or revoked.</summary>
    Task<ApiKeyIdentity?> FindActiveAsync(string secretHash, CancellationToken ct);
}
