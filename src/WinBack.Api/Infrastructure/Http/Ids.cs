using System.Security.Cryptography;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Prefixed, time-ordered ids (<c>key_01jd…</c>): a 10-character Crockford base32 timestamp and 16 random
/// characters, so ordering by id is ordering by creation, which cursor pagination relies on. Within one
/// millisecond (or a frozen test clock) the random part counts up, as in monotonic ULIDs.
/// </summary>
public sealed class Ids(TimeProvider clock)
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private readonly Lock _lock = new();
    private long _lastMs = -1;
    private readonly byte[] _last = new byte[16];

    public string New(string prefix)
    {
        Span<char> chars = stackalloc char[26];
        lock (_lock)
        {
            var ms = clock.GetUtcNow().ToUnixTimeMilliseconds();
            if (ms > _lastMs)
            {
                _lastMs = ms;
                RandomNumberGenerator.Fill(_last);
                for (var i = 0; i < 16; i++) _last[i] &= 31;
            }
            else
            {
                Increment(_last);
            }
            var t = _lastMs;
            for (var i = 9; i >= 0; i--, t >>= 5)
                chars[i] = Alphabet[(int)(t & 31)];
            for (var i = 0; i < 16; i++)
                chars[10 + i] = Alphabet[_last[i]];
        }
        return $"{prefix}_{chars}";
    }

    public static bool HasPrefix(string? id, string prefix) =>
        id is not null && id.Length == prefix.Length + 27 && id.StartsWith(prefix + "_", StringComparison.Ordinal);

    // Adds one to a base32 number held one digit per byte, most significant first.
    private static void Increment(byte[] digits)
    {
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            if (++digits[i] < 32) return;
            digits[i] = 0;
        }
    }
}
