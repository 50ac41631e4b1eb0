using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WinBack.Api.Tests.Infrastructure;

/// <summary>
/// The certificate that encrypts the Data Protection key ring in the tests (their hosts run outside Development, where
/// one is required). One for the whole run, so that every app, and every second process on a shared database, opens
/// the same ring, as the processes of one deployment do.
/// </summary>
public static class TestKeyRingCertificate
{
    public const string Password = "tests-only";
    private static readonly Lazy<string> Pfx = new(Make);

    /// <summary>The PFX in base64, as WinBack__DataProtection__Certificate takes it.</summary>
    public static string Base64 => Pfx.Value;

    private static string Make()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=WinBack tests key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return Convert.ToBase64String(certificate.Export(X509ContentType.Pfx, Password));
    }
}
