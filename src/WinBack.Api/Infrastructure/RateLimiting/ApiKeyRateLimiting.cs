using System.Globalization;
using System.Threading.RateLimiting;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Infrastructure.RateLimiting;

/// <summary>
/// Token buckets, each with 429 and Retry-After: one per client address for requests without a verified key (checked
/// before authentication, so a flood of made-up keys never reaches the database), then one per API key and one per tenant
/// (all its keys together, so that more keys never buy a tenant a bigger share).
/// </summary>
public sealed class RateLimits(RateLimitOptions options)
{
    public PartitionedRateLimiter<string> ClientAddresses { get; } = Buckets(options.UnauthenticatedRequestsPerSecond, options.UnauthenticatedBurst);
    public PartitionedRateLimiter<string> Keys { get; } = Buckets(options.RequestsPerSecond, options.Burst);
    public PartitionedRateLimiter<string> Tenants { get; } = Buckets(options.TenantRequestsPerSecond, options.TenantBurst);
    public RateLimitOptions Options => options;

    private static PartitionedRateLimiter<string> Buckets(int perSecond, int burst) =>
        PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetTokenBucketLimiter(partition,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, burst),
                TokensPerPeriod = Math.Max(1, perSecond),
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    /// <summary>Takes a token, or answers 429 and returns false.</summary>
    public static async Task<bool> TryTakeAsync(HttpContext context, PartitionedRateLimiter<string> buckets, string partition,
        Func<int, string> detail)
    {
        using var lease = buckets.AttemptAcquire(partition);
        if (lease.IsAcquired)
            return true;
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        await ProblemMapping.WriteAsync(context, ApiProblem.Of(429, ErrorCodes.RateLimited, "Too many requests", detail(retryAfter)));
        return false;
    }

    public static bool Exempt(HttpContext context) => context.Request.Path.StartsWithSegments("/health");
}

/// <summary>Before authentication: a request that carries no key this process has already verified pays its client address's bucket.</summary>
public sealed class ClientAddressRateLimitMiddleware(RequestDelegate next, RateLimits limits, PlatformKey platformKey, ApiKeyCache cache)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (RateLimits.Exempt(context) || CarriesVerifiedKey(context)
            || await RateLimits.TryTakeAsync(context, limits.ClientAddresses, $"{context.Connection.RemoteIpAddress}", retryAfter =>
                $"This client address sent more than {limits.Options.UnauthenticatedRequestsPerSecond} requests per second without a " +
                $"verified API key (burst {limits.Options.UnauthenticatedBurst}). Retry after {retryAfter} s."))
            await next(context);
    }

    private bool CarriesVerifiedKey(HttpContext context) =>
        ApiKeyAuthenticationHandler.BearerSecret(context.Request) is { } secret
        && (platformKey.Matches(secret) || (ApiKeySecrets.LooksLikeKey(secret) && cache.RecentlyVerified(ApiKeySecrets.Hash(secret))));
}

/// <summary>After authentication: a caller's request pays its key's bucket, then its tenant's.</summary>
public sealed class ApiKeyRateLimitMiddleware(RequestDelegate next, RateLimits limits)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (RateLimits.Exempt(context) || Caller.From(context.User) is not { } caller)
        {
            await next(context);
            return;
        }
        var options = limits.Options;
        if (!await RateLimits.TryTakeAsync(context, limits.Keys, caller.KeyId, retryAfter =>
                $"This key sent more than {options.RequestsPerSecond} requests per second (burst {options.Burst}). Retry after {retryAfter} s."))
            return;
        if (caller.TenantId is { } tenantId && !await RateLimits.TryTakeAsync(context, limits.Tenants, tenantId, retryAfter =>
                $"This tenant's keys together sent more than {options.TenantRequestsPerSecond} requests per second " +
                $"(burst {options.TenantBurst}). Retry after {retryAfter} s."))
            return;
        await next(context);
    }
}
