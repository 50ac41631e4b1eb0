namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Headers on every answer, set as it starts (after any error mapping has cleared the response, and after routing has
/// named the endpoint): no MIME sniffing, no referrer, a content security policy (Swagger UI's and the dashboard's on their
/// pages), and <c>Cache-Control: no-store</c> on every answer of an endpoint that <see cref="CarriesSecret"/>,
/// idempotent replays included.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    /// <summary>
    /// Swashbuckle's page loads its scripts from files (no inline script, so script-src 'self' holds) and the document from
    /// this origin; Swagger UI draws icons as data: images. Its bundle injects style elements, which style-src 'self' alone
    /// blocks (seen in Chromium), so inline styles stay allowed here only: with nothing loadable from elsewhere, a style
    /// cannot send anything out.
    /// </summary>
    public const string SwaggerPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>JSON answers never need to load anything.</summary>
    public const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/swagger") ? SwaggerPolicy
                : context.Request.Path.StartsWithSegments(DashboardFiles.Path) ? DashboardFiles.Policy
                : ApiPolicy;
            if (context.GetEndpoint()?.Metadata.GetMetadata<CarriesSecret>() is not null)
                headers.CacheControl = "no-store";
            return Task.CompletedTask;
        });
        return next(context);
    }
}

/// <summary>Endpoint metadata: the answer carries a secret (a new key, a signing secret), so no cache, browser or proxy may keep it.</summary>
public sealed class CarriesSecret
{
    public static readonly CarriesSecret Metadata = new();

    private CarriesSecret() { }
}
