using Microsoft.AspNetCore.DataProtection;
using WinBack.Api.Infrastructure.Secrets;

namespace WinBack.Api.Infrastructure.Idempotency;

/// <summary>
/// Encrypts the response bodies that the idempotency store keeps for replays: they may carry tenant keys, API keys and
/// webhook secrets. A replay decrypts the original body.
/// </summary>
public sealed class IdempotencyBodies(IDataProtectionProvider provider)
    : SecretProtector(provider, "WinBack.Idempotency.Responses.v1")
{
    /// <summary>The body to replay, decrypted.</summary>
    public string? Open(IdempotencyRecord record) => record.EncryptedBody is { } encrypted ? Unprotect(encrypted) : null;
}
