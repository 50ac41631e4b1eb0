using System.Globalization;
using WinBack.Api.Infrastructure.Auth;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// The API's versions, Stripe-style dates (yyyy-MM-dd), oldest first: the one list. A request names one in the
/// <c>API-Version</c> header, or is served at its tenant's pinned version (the latest for platform and anonymous calls).
/// CHANGELOG.md says what each one changed.
/// </summary>
public static class ApiVersions
{
    public const string HeaderName = "API-Version";
    public const string Format = "yyyy-MM-dd";

    /// <summary>The first version: tenants created before versions existed are pinned to it.</summary>
    public const string Initial = "2026-12-06";

    public static readonly IReadOnlyList<string> Known = [Initial];

    public static string Latest => Known[^1];

    public static bool IsKnown(string version) => Known.Contains(version, StringComparer.Ordinal);

    /// <summary>Why the header's value cannot be served, or null when it can.</summary>
    public static string? Problem(string value) =>
        !DateOnly.TryParseExact(value, Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? $"'{HeaderName}' must be a version date such as {Latest} (yyyy-MM-dd)."
            : !IsKnown(value)
                ? $"'{HeaderName}' {value} is not a known version; known versions: {string.Join(", ", Known)}."
                : null;

    /// <summary>The version this request is served at: the one it asked for, else its tenant key's pinned one, else the latest.</summary>
    public static string Of(HttpContext context) =>
        context.Items[RequestedKey] as string ?? context.User.FindFirst(WinBackClaims.ApiVersion)?.Value ?? Latest;

    internal static readonly object RequestedKey = new();
}

/// <summary>
/// Reads <c>API-Version</c> (400 validation_failed when it is malformed or unknown) and echoes the version served on every
/// answer, set as it starts: after authentication has named the tenant, and after any error mapping cleared the response.
/// </summary>
public sealed class ApiVersionMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[ApiVersions.HeaderName] = ApiVersions.Of(context);
            return Task.CompletedTask;
        });
        var requested = context.Request.Headers[ApiVersions.HeaderName];
        if (requested.Count == 0)
            return next(context);
        var value = requested.Count == 1 ? requested.ToString().Trim() : "";
        if (ApiVersions.Problem(value) is { } problem)
            return Errors.ProblemMapping.WriteAsync(context, Errors.ProblemMapping.InvalidHeader(ApiVersions.HeaderName, problem));
        context.Items[ApiVersions.RequestedKey] = value;
        return next(context);
    }
}
