using System.Security.Claims;
using WinBack.Domain.Tenants;

namespace WinBack.Api.Infrastructure.Auth;

/// <summary>Scopes, as role claims. An endpoint names the scopes it accepts with FastEndpoints' <c>Roles(...)</c>.</summary>
public static class ApiScopes
{
    public const string Admin = "admin";
    public const string Ingest = "ingest";
    public const string Platform = "platform";
}

public static class WinBackClaims
{
    public const string TenantId = "winback:tenant";
    public const string KeyId = "winback:key";
    public const string Mode = "winback:mode";
    /// <summary>The tenant's pinned API version (a tenant key's requests default to it).</summary>
    public const string ApiVersion = "winback:api-version";
}

/// <summary>Who is calling: read from the claims that <see cref="ApiKeyAuthenticationHandler"/> set.</summary>
public sealed record Caller(string KeyId, string Scope, string? TenantId, TenantMode? Mode)
{
    public string RequireTenant() => TenantId ?? throw new InvalidOperationException("This endpoint needs a tenant key.");

    public static Caller? From(ClaimsPrincipal user)
    {
        var keyId = user.FindFirstValue(WinBackClaims.KeyId);
        var scope = user.FindFirstValue(ClaimTypes.Role);
        if (keyId is null || scope is null)
            return null;
        var mode = user.FindFirstValue(WinBackClaims.Mode) is { } m && Enum.TryParse<TenantMode>(m, out var parsed) ? parsed : (TenantMode?)null;
        return new Caller(keyId, scope, user.FindFirstValue(WinBackClaims.TenantId), mode);
    }
}

public static class CallerExtensions
{
    public static Caller Caller(this HttpContext context) =>
        Auth.Caller.From(context.User) ?? throw new InvalidOperationException("No authenticated caller on this request.");
}
