namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Endpoint metadata: the answer carries a secret (a new key, a signing secret), so no cache, browser or proxy may keep
/// it. <see cref="UseNoStoreForSecrets"/> sends <c>Cache-Control: no-store</c> on every answer of such an endpoint,
/// idempotent replays included.
/// </summary>
public sealed class CarriesSecret
{
    public static readonly CarriesSecret Metadata = new();

    private CarriesSecret() { }

    public static IApplicationBuilder UseNoStoreForSecrets(IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<CarriesSecret>() is not null)
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.CacheControl = "no-store";
                return Task.CompletedTask;
            });
        await next(context);
    });
}
