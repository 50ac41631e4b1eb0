using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Infrastructure.RateLimiting;

/// <summary>A token bucket per API key (per client address before a key is known); 429 with Retry-After.</summary>
public static class ApiKeyRateLimiting
{
    public static IServiceCollection AddApiKeyRateLimiting(this IServiceCollection services, RateLimitOptions limits)
    {
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                context.Request.Path.StartsWithSegments("/health") ? RateLimitPartition.GetNoLimiter("health") :
                RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, limits.Burst),
                    TokensPerPeriod = Math.Max(1, limits.RequestsPerSecond),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            options.OnRejected = async (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
                    ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
                    : 1;
                rejected.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString();
                await ProblemMapping.WriteAsync(rejected.HttpContext, ApiProblem.Of(429, ErrorCodes.RateLimited, "Too many requests",
                    $"This key sent more than {limits.RequestsPerSecond} requests per second (burst {limits.Burst}). Retry after {retryAfter} s."));
            };
        });
        return services;
    }

    private static string PartitionKey(HttpContext context) =>
        Caller.From(context.User)?.KeyId ?? $"ip:{context.Connection.RemoteIpAddress}";
}
