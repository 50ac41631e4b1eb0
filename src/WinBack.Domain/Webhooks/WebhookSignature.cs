using System.Security.Cryptography;
using System.Text;

namespace WinBack.Domain.Webhooks;

/// <summary>
/// Signing per the Standard Webhooks specification: the signature is <c>v1,</c> + base64 HMAC-SHA256 over
/// <c>"{webhook-id}.{webhook-timestamp}.{body}"</c>, keyed with the base64-decoded part of the secret after
/// <c>whsec_</c>. Several signatures (a secret being rotated) are separated by spaces in one header.
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";
    public const string Version = "v1";

    /// <summary>A new secret: 32 random bytes.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static bool IsSecret(string? secret)
    {
        if (secret is null || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
            return false;
        Span<byte> key = stackalloc byte[128];
        return Convert.TryFromBase64String(secret[SecretPrefix.Length..], key, out var length) && length >= 24;
    }

    /// <param name="timestamp">Unix seconds of the send: the receiver checks it against its own clock.</param>
    public static string Sign(string secret, string messageId, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
        var signed = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}");
        return $"{Version},{Convert.ToBase64String(HMACSHA256.HashData(key, signed))}";
    }

    /// <summary>The <c>webhook-signature</c> header: one signature per secret in use, newest first.</summary>
    public static string Header(IEnumerable<string> secrets, string messageId, long timestamp, string body) =>
        string.Join(' ', secrets.Select(s => Sign(s, messageId, timestamp, body)));

    /// <summary>Whether any signature in the header is the one <paramref name="secret"/> makes (constant-time compare).</summary>
    public static bool Verify(string secret, string messageId, long timestamp, string body, string header)
    {
        var expected = Encoding.ASCII.GetBytes(Sign(secret, messageId, timestamp, body));
        return header.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(candidate => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate), expected));
    }
}
