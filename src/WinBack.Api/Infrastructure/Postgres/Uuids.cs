using System.Security.Cryptography;

namespace WinBack.Api.Infrastructure.Postgres;

/// <summary>
/// Version-7 UUIDs (RFC 9562: the Unix time in milliseconds, then random bits, as <see cref="Guid.CreateVersion7()"/> makes),
/// many from one draw of random bytes. <see cref="Guid.CreateVersion7()"/> reads <c>/dev/urandom</c> once per id on this
/// runtime: a system call for every event and every hot state a group commit writes, 1.6% of the API's samples in user space and more
/// in the kernel under the batch load (docs/benchmarks.md, "#16: the tenth session").
/// </summary>
public static class Uuids
{
    public static Guid[] Version7(int count)
    {
        var ids = new Guid[count];
        if (count == 0)
            return ids;
        var bytes = new byte[count * 16];
        RandomNumberGenerator.Fill(bytes);
        var ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < count; i++)
        {
            var id = bytes.AsSpan(i * 16, 16);
            for (var b = 0; b < 6; b++)
                id[b] = (byte)(ms >> (8 * (5 - b))); // 48 bits of time, most significant first
            id[6] = (byte)(0x70 | (id[6] & 0x0F)); // version 7
            id[8] = (byte)(0x80 | (id[8] & 0x3F)); // variant 10 (RFC 9562)
            ids[i] = new Guid(id, bigEndian: true);
        }
        return ids;
    }
}
