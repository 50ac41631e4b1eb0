using System.Security.Cryptography;

namespace WinBack.Domain.Webhooks;

/// <summary>
/// A webhook endpoint's signing secret, in the Standard Webhooks format: <c>whsec_</c> + base64 of the key. Signing is the
/// StandardWebhooks package's (WinBack.Api's <c>WebhookSigning</c>); it does not make secrets, so they are made here.
/// </summary>
public static class WebhookSecret
{
    public const string Prefix = "whsec_";

    /// <summary>A new secret: 32 random bytes.</summary>
    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static bool IsWellFormed(string? secret)
    {
        if (secret is null || !secret.StartsWith(Prefix, StringComparison.Ordinal))
            return false;
        Span<byte> key = stackalloc byte[128];
        return Convert.TryFromBase64String(secret[Prefix.Length..], key, out var length) && length >= 24;
    }
}
