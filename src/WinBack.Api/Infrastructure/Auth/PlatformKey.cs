using System.Security.Cryptography;
using System.Text;

namespace WinBack.Api.Infrastructure.Auth;

/// <summary>The operator's key, which may only create tenants. Compared in constant time.</summary>
public sealed class PlatformKey
{
    private readonly byte[] _hash;

    public PlatformKey(string secret, bool generated)
    {
        Secret = secret;
        Generated = generated;
        _hash = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
    }

    public string Secret { get; }
    /// <summary>True when no key was configured and one was made for this Development run.</summary>
    public bool Generated { get; }

    public bool Matches(string candidate) =>
        CryptographicOperations.FixedTimeEquals(_hash, SHA256.HashData(Encoding.UTF8.GetBytes(candidate)));

    public static PlatformKey Generate() => new("wb_platform_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)), generated: true);
}
