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

    public ApiKeyIdentity? Get(string secretHash) => cache.Get<ApiKeyIdentity>(Key(secretHash));

    public void Set(ApiKeyIdentity key) => cache.Set(Key(key.SecretHash), key, Lifetime);

    public void Evict(string secretHash) => cache.Remove(Key(secretHash));

    private static string Key(string secretHash) => $"apikey:{secretHash}";
}
