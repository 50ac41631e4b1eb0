using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Infrastructure.Secrets;

public static class DataProtectionSetup
{
    /// <summary>
    /// Data Protection with its key ring in PostgreSQL, shared by every process, and each key in it encrypted with the
    /// certificate (ProtectKeysWithCertificate), so that a copy of the database alone opens no secret.
    /// </summary>
    public static IServiceCollection AddWinBackDataProtection(this IServiceCollection services, KeyRingCertificate certificate,
        string connectionString)
    {
        services.AddSingleton(certificate);
        services.AddDataProtection().SetApplicationName("WinBack").ProtectKeysWithCertificate(certificate.Certificate);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
            o.XmlRepository = new PostgresXmlRepository(connectionString,
                new CertificateXmlEncryptor(certificate.Certificate, sp.GetRequiredService<ILoggerFactory>()))));
        services.AddHostedService<KeyRingNotice>();
        return services;
    }

    /// <summary>Registers one kind of secret's protector, and its sealing of plain text left by earlier versions if it has any.</summary>
    public static IServiceCollection AddSecretProtector<T>(this IServiceCollection services) where T : SecretProtector
    {
        services.AddSingleton<T>();
        if (typeof(ISealsPlaintextSecrets).IsAssignableFrom(typeof(T)))
            services.AddSingleton(sp => (ISealsPlaintextSecrets)sp.GetRequiredService<T>());
        return services;
    }
}

/// <summary>Says at start-up which certificate encrypts the key ring; in Development, that it is a local one.</summary>
public sealed class KeyRingNotice(KeyRingCertificate certificate, ILogger<KeyRingNotice> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Data Protection key ring encrypted at rest with certificate {Thumbprint}, {Source}",
            certificate.Certificate.Thumbprint, certificate.Source);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
