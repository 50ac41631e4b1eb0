using WinBack.Api.Features.Tenants;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Tenants;

namespace WinBack.Api.Features.ApiKeys;

/// <summary>A tenant's API key. Only the SHA-256 of the secret is stored; the secret is shown once.</summary>
[Published]
public sealed class ApiKey : IHasId
{
    public required string Id { get; init; }
    public required ApiKeyScope Scope { get; init; }
    public required TenantMode Mode { get; init; }
    public required string SecretHash { get; init; }
    /// <summary>Prefix and last four characters, so that people can tell keys apart.</summary>
    public required string Redacted { get; init; }
    public string? Description { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    /// <summary>The tenant the key belongs to; set when it is stored.</summary>
    public string? TenantId { get; init; }
}

/// <summary><c>admin</c> configures and reads reports; <c>ingest</c> reports activity and redeems rewards.</summary>
[Published]
public enum ApiKeyScope { Admin, Ingest }

public static class ApiKeyScopeClaims
{
    /// <summary>The scope as the role claim that endpoints name (<see cref="ApiScopes"/>).</summary>
    public static string AsClaim(this ApiKeyScope scope) => scope == ApiKeyScope.Admin ? ApiScopes.Admin : ApiScopes.Ingest;
}

/// <summary>How a key looks in responses; never the secret or its hash.</summary>
public record ApiKeyView(
    string Id, ApiKeyScope Scope, string Redacted, string? Description, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public static ApiKeyView Of(ApiKey key) =>
        new(key.Id, key.Scope, key.Redacted, key.Description, key.CreatedAt, key.RevokedAt);
}

/// <summary>A key as returned once, at creation, with its secret.</summary>
[Published]
public sealed record NewApiKeyView(
    string Id, ApiKeyScope Scope, string Redacted, string? Description, DateTimeOffset CreatedAt, string Secret)
{
    public static NewApiKeyView Of(MintedApiKey minted) =>
        new(minted.Key.Id, minted.Key.Scope, minted.Key.Redacted, minted.Key.Description, minted.Key.CreatedAt, minted.Secret);
}

[Published]
public sealed record MintedApiKey(ApiKey Key, string Secret)
{
    public static MintedApiKey Mint(Ids ids, TimeProvider clock, TenantMode mode, ApiKeyScope scope, string? description)
    {
        var secret = ApiKeySecrets.New(mode);
        var key = new ApiKey
        {
            Id = ids.New("key"), Scope = scope, Mode = mode, Description = description, CreatedAt = clock.GetUtcNow(),
            SecretHash = ApiKeySecrets.Hash(secret), Redacted = ApiKeySecrets.Redact(secret),
        };
        return new MintedApiKey(key, secret);
    }
}
