using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Infrastructure.Secrets;

/// <summary>
/// The certificate that encrypts the Data Protection key ring at rest, and where it came from. Configured outside
/// Development (every process reads the same one from configuration); made once and kept locally in Development.
/// </summary>
public sealed record KeyRingCertificate(X509Certificate2 Certificate, string Source)
{
    private const string Variable = "WinBack__DataProtection__Certificate";
    private const string DevelopmentOnly = " (Development only: elsewhere set " + Variable + ")";

    private const string HowToSet =
        "Make an RSA certificate and give every process of the deployment the same one, for example:\n" +
        "  openssl req -x509 -newkey rsa:3072 -sha256 -days 3650 -nodes -subj /CN=winback-data-protection -keyout dp.key -out dp.crt\n" +
        "  openssl pkcs12 -export -inkey dp.key -in dp.crt -out dp.pfx -passout pass:<password>\n" +
        "then set " + Variable + " to the PFX file's path or to its base64 (base64 -w0 dp.pfx), and " +
        "WinBack__DataProtection__CertificatePassword to <password>. Keep it safe: without it the stored secrets cannot be decrypted.";

    public static KeyRingCertificate Resolve(DataProtectionCertificateOptions options, IHostEnvironment environment)
    {
        if (!string.IsNullOrWhiteSpace(options.Certificate))
            return new(Load(options.Certificate, options.CertificatePassword), $"from {Variable}");
        if (environment.IsDevelopment())
            return Local(Path.GetFullPath(options.LocalCertificatePath));
        throw new InvalidOperationException(
            $"{Variable} is not set. Outside Development the Data Protection key ring, which encrypts Stripe keys, webhook secrets " +
            $"and stored responses, must itself be encrypted with a certificate from configuration.\n{HowToSet}");
    }

    private static X509Certificate2 Load(string value, string? password)
    {
        byte[] pfx;
        if (File.Exists(value))
            pfx = File.ReadAllBytes(value);
        else
        {
            pfx = new byte[value.Length];
            if (!Convert.TryFromBase64String(value.Trim(), pfx, out var length))
                throw new InvalidOperationException($"{Variable} is neither an existing file nor base64. {HowToSet}");
            pfx = pfx[..length];
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12(pfx, password);
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException(
                $"{Variable} could not be read as a PFX with WinBack__DataProtection__CertificatePassword ({e.Message}). {HowToSet}", e);
        }
        // Data Protection wraps each key for the certificate's RSA public key, and unwraps it with the private key.
        if (!certificate.HasPrivateKey || certificate.GetRSAPublicKey() is null)
            throw new InvalidOperationException($"{Variable} must be an RSA certificate with its private key. {HowToSet}");
        return certificate;
    }

    // Kept beside the local cluster so that every local process and restart shares it; written atomically so that two
    // processes starting at once keep the same one.
    private static KeyRingCertificate Local(string path)
    {
        if (File.Exists(path))
            return new(X509CertificateLoader.LoadPkcs12FromFile(path, null), $"the Development certificate in {path}{DevelopmentOnly}");

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest("CN=WinBack Data Protection (Development)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, made.Export(X509ContentType.Pfx));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary); // another process made one first: use that
            return Local(path);
        }
        return new(X509CertificateLoader.LoadPkcs12FromFile(path, null), $"a self-signed certificate made now for Development in {path}{DevelopmentOnly}");
    }
}
