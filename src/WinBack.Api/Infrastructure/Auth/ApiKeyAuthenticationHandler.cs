using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Infrastructure.Auth;

/// <summary>
/// The one auth path: <c>Authorization: Bearer &lt;secret&gt;</c> resolves to the platform key or to a
/// tenant's API key. Failures answer 401/403 problem+json from here.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IApiKeyDirectory directory,
    ApiKeyCache cache,
    PlatformKey platformKey) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (string.IsNullOrEmpty(Request.Headers.Authorization))
            return AuthenticateResult.NoResult();
        if (BearerSecret(Request) is not { } secret)
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <key>'.");

        if (platformKey.Matches(secret))
            return Success(new Claim(WinBackClaims.KeyId, "platform"), new Claim(ClaimTypes.Role, ApiScopes.Platform));
        if (!ApiKeySecrets.LooksLikeKey(secret))
            return AuthenticateResult.Fail("Unknown API key.");

        var hash = ApiKeySecrets.Hash(secret);
        var key = cache.Get(hash);
        if (key is null)
        {
            key = await directory.FindActiveAsync(hash, Context.RequestAborted);
            if (key is null)
                return AuthenticateResult.Fail("Unknown or revoked API key.");
            cache.Set(key);
        }

        return Success(
            new Claim(WinBackClaims.KeyId, key.KeyId),
            new Claim(WinBackClaims.TenantId, key.TenantId),
            new Claim(WinBackClaims.Mode, key.Mode.ToString()),
            new Claim(WinBackClaims.ApiVersion, key.ApiVersion),
            new Claim(ClaimTypes.Role, key.Scope));
    }

    /// <summary>The secret of an <c>Authorization: Bearer</c> header; null when there is none.</summary>
    public static string? BearerSecret(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        return header is not null && header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) ? header[BearerPrefix.Length..].Trim() : null;
    }

    private AuthenticateResult Success(params Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var problem = string.IsNullOrEmpty(Request.Headers.Authorization)
            ? ApiProblem.Of(401, ErrorCodes.MissingApiKey, "API key required",
                "Send your key as 'Authorization: Bearer wb_live_…' (or wb_test_…).")
            : ApiProblem.Of(401, ErrorCodes.InvalidApiKey, "Invalid API key",
                (await HandleAuthenticateOnceSafeAsync()).Failure?.Message ?? "The API key is not valid.");
        await ProblemMapping.WriteAsync(Context, problem);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var scope = Caller.From(Context.User)?.Scope ?? "none";
        var allowed = Context.GetEndpoint()?.Metadata.GetMetadata<FastEndpoints.EndpointDefinition>()?.AllowedRoles;
        var needs = allowed is { Count: > 0 } ? string.Join(" or ", allowed) : "another";
        return ProblemMapping.WriteAsync(Context, ApiProblem.Of(403, ErrorCodes.InsufficientScope, "Insufficient scope",
            $"This endpoint needs a key with scope {needs}; this key has scope {scope}."));
    }
}
