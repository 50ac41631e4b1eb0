using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Memory;
using WinBack.Api.Infrastructure.Secrets;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Features.Webhooks;

/// <summary>
/// Encrypts webhook endpoint secrets (current and previous) for storage, and opens them for signing. The dispatcher signs
/// many deliveries to the same few endpoints, so an opened secret is kept in memory for a minute, keyed by its
/// ciphertext (a rotation stores a new ciphertext, so it is never served stale).
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider, WebhookEndpoints endpoints)
    : SecretProtector(provider, "WinBack.Webhooks.Secrets.v1"), ISealsPlaintextSecrets, IDisposable
{
    private static readonly TimeSpan KeptFor = TimeSpan.FromMinutes(1);
    private readonly MemoryCache _opened = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    public string What => "webhook endpoint secrets";

    /// <summary>The plain secret for signing.</summary>
    public string Open(string stored) =>
        // A plain whsec_ value was written by an earlier version during an upgrade; the worker's next start seals it.
        IsPlain(stored) ? stored : _opened.GetOrCreate(stored, entry =>
        {
            entry.Size = 1;
            entry.AbsoluteExpirationRelativeToNow = KeptFor;
            return Unprotect(stored);
        })!;

    public Task<int> SealPlaintextAsync(CancellationToken ct) => endpoints.SealPlaintextSecretsAsync(Seal, ct);

    private string Seal(string stored) => IsPlain(stored) ? Protect(stored) : stored;

    private static bool IsPlain(string stored) => stored.StartsWith(WebhookSecret.Prefix, StringComparison.Ordinal);

    public void Dispose() => _opened.Dispose();
}
