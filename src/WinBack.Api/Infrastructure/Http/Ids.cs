using System.Security.Cryptography;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Prefixed, time-ordered ids (<c>key_01jd…</c>): a 10-character Crockford base32 timestamp and 16 random
/// characters, so ordering by id is ordering by creation, which cursor pagination relies on.
/// </summary>
public sealed class Ids(TimeProvider clock)
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public string New(string prefix)
    {
        Span<char> chars = stackalloc char[26];
        var ms = clock.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 9; i >= 0; i--, ms >>= 5)
            chars[i] = Alphabet[(int)(ms & 31)];
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        for (var i = 0; i < 16; i++)
            chars[10 + i] = Alphabet[random[i] & 31];
        return $"{prefix}_{chars}";
    }

    public static bool HasPrefix(string? id, string prefix) =>
        id is not null && id.Length == prefix.Length + 27 && id.StartsWith(prefix + "_", StringComparison.Ordinal);
}
