using System.Security.Cryptography;
using System.Text;
using WinBack.Domain.Tenants;

namespace WinBack.Api.Infrastructure.Auth;

/// <summary>Mints key secrets and hashes them. Secrets carry 256 random bits, so one SHA-256 is enough.</summary>
public static class ApiKeySecrets
{
    public const string LivePrefix = "wb_live_";
    public const string TestPrefix = "wb_test_";

    public static string New(TenantMode mode) =>
        (mode == TenantMode.Live ? LivePrefix : TestPrefix) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string Redact(string secret) => $"{secret[..TestPrefix.Length]}…{secret[^4..]}";

    public static bool LooksLikeKey(string secret) =>
        secret.StartsWith(LivePrefix, StringComparison.Ordinal) || secret.StartsWith(TestPrefix, StringComparison.Ordinal);
}
