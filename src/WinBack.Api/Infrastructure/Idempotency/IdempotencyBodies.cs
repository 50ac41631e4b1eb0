using Marten;
using Microsoft.AspNetCore.DataProtection;
using WinBack.Api.Infrastructure.Secrets;

namespace WinBack.Api.Infrastructure.Idempotency;

/// <summary>
/// Encrypts the response bodies that the idempotency store keeps for replays: they may carry tenant keys, API keys and
/// webhook secrets. A replay decrypts the original body. Bodies stored in plain text by earlier versions are sealed at
/// the worker's start.
/// </summary>
public sealed class IdempotencyBodies(IDataProtectionProvider provider, IDocumentStore store)
    : SecretProtector(provider, "WinBack.Idempotency.Responses.v1"), ISealsPlaintextSecrets
{
    private const int Page = 500;

    public string What => "stored idempotent responses";

    /// <summary>The body to replay: decrypted, or as an earlier version stored it.</summary>
    public string? Open(IdempotencyRecord record) => record.EncryptedBody is { } encrypted ? Unprotect(encrypted) : record.Body;

    public async Task<int> SealPlaintextAsync(CancellationToken ct)
    {
        var count = 0;
        while (true)
        {
            await using var session = store.LightweightSession();
            var plain = await session.Query<IdempotencyRecord>().Where(r => r.Body != null).Take(Page).ToListAsync(ct);
            foreach (var record in plain)
            {
                record.EncryptedBody = Protect(record.Body!);
                record.Body = null;
                session.Update(record);
            }
            await session.SaveChangesAsync(ct);
            count += plain.Count;
            if (plain.Count < Page)
                return count;
        }
    }
}
