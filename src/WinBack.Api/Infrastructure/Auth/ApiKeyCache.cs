using Microsoft.Extensions.Caching.Memory;

namespace WinBack.Api.Infrastructure.Auth;

/// <summary>
/// Remembers a valid key for one second, so that a busy key costs one database lookup per second
/// instead of one per request. Revoking evicts the key in this process at once; other API processes
/// stop accepting it within the second.
/// </summary>
public sealed class ApiKeyCache(IMemoryCache cache)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);
    /// <summary>How long a key found valid still counts as a known caller's for rate limiting (not for authorization).</summary>
    public static readonly TimeSpan RecentLifetime = TimeSpan.FromMinutes(1);

    public ApiKeyIdentity? Get(string secretHash) => cache.Get<ApiKeyIdentity>(Key(secretHash));

    public void Set(ApiKeyIdentity key)
    {
        cache.Set(Key(key.SecretHash), key, Lifetime);
        cache.Set(RecentKey(key.SecretHash), true, RecentLifetime);
    }

    /// <summary>
    /// Whether the key was found valid within the last minute. The rate limiter counts such a request against its key and
    /// tenant rather than against its address, also while the database cannot be asked (a 503 then, not a 429).
    /// </summary>
    public bool RecentlyVerified(string secretHash) => cache.TryGetValue(RecentKey(secretHash), out _);

    public void Evict(string secretHash)
    {
        cache.Remove(Key(secretHash));
        cache.Remove(RecentKey(secretHash));
    }

    private static string Key(string secretHash) => $"apikey:{secretHash}";

    private static string RecentKey(string secretHash) => $"apikey-recent:{secretHash}";
}
