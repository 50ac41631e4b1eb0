using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Features.Stripe;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Secrets;

namespace WinBack.Api.Tests.Infrastructure.Secrets;

/// <summary>A host with no key ring certificate configured, in the given environment; optionally on another app's database.</summary>
public sealed class UncertifiedApp(string environment, string localCertificatePath, string? connectionString = null) : WinBackApp
{
    protected override string EnvironmentName => environment;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["WinBack:DataProtection:Certificate"] = "",
        ["WinBack:DataProtection:LocalCertificatePath"] = localCertificatePath,
    };

    protected override Task<string> DatabaseAsync() => connectionString is null ? base.DatabaseAsync() : Task.FromResult(connectionString);
}

public sealed class KeyRingTests(WinBackApp app) : IClassFixture<WinBackApp>, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"winback-keyring-{Guid.NewGuid():N}");

    [Fact]
    public async Task Outside_Development_the_service_refuses_to_start_without_a_certificate_and_says_how_to_make_one()
    {
        await using var production = new UncertifiedApp("Production", Path.Combine(_folder, "unused.pfx"));

        var refused = await Should.ThrowAsync<Exception>(production.InitializeAsync);

        var message = string.Join(" | ", Chain(refused).Select(e => e.Message));
        message.ShouldContain("WinBack__DataProtection__Certificate is not set");
        message.ShouldContain("openssl pkcs12 -export");
        message.ShouldContain("WinBack__DataProtection__CertificatePassword");
        File.Exists(Path.Combine(_folder, "unused.pfx")).ShouldBeFalse("no certificate is made outside Development");
    }

    [Fact]
    public async Task Development_makes_a_local_certificate_once_and_every_process_on_the_database_shares_it()
    {
        var path = Path.Combine(_folder, ".winback", "data-protection.pfx");
        await using var first = new UncertifiedApp("Development", path);
        await first.InitializeAsync();
        var made = first.Services.GetRequiredService<KeyRingCertificate>();
        made.Source.ShouldStartWith($"a self-signed certificate made now for Development in {path}");
        File.Exists(path).ShouldBeTrue();
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var tenant = await first.CreateTenantAsync();
        var answer = await SecretRequests.CreateKeyAsync(tenant.Admin, "kept-body");

        await using var second = new UncertifiedApp("Development", path, first.ConnectionString);
        await second.InitializeAsync();

        var kept = second.Services.GetRequiredService<KeyRingCertificate>();
        kept.Source.ShouldStartWith($"the Development certificate in {path}");
        kept.Certificate.Thumbprint.ShouldBe(made.Certificate.Thumbprint);
        (await SecretRequests.CreateKeyAsync(second.ClientWithKey(tenant.AdminKey.Secret), "kept-body"))
            .ShouldBe(answer, "the second process opens the body the first encrypted");
    }

    [Fact]
    public async Task A_key_ring_an_earlier_version_stored_in_plain_text_is_encrypted_at_start_and_still_opens_its_secrets()
    {
        var legacy = LegacyKeyRing();
        var encrypted = legacy.Provider.CreateProtector("WinBack.Stripe.Secrets.v1").Protect("sk_test_from_before_the_certificate");
        var plainKey = legacy.Repository.GetAllElements().Single();
        plainKey.ToString().ShouldContain("<masterKey");
        await SecretRequests.ExecuteAsync(app.ConnectionString, $"insert into {PostgresXmlRepository.TableName} (name, xml) values ('key-legacy', @xml)",
            ("xml", plainKey.ToString()));

        await using var restarted = new SecondProcess(app.ConnectionString);
        await restarted.InitializeAsync();

        var stored = await SecretRequests.ReadAsync(app.ConnectionString, $"select xml from {PostgresXmlRepository.TableName} where name = 'key-legacy'");
        stored.ShouldContain("encryptedSecret");
        stored.ShouldNotContain("<masterKey");
        stored.ShouldContain((string)plainKey.Attribute("id")!, Case.Insensitive, "the same key, now encrypted");
        restarted.Services.GetRequiredService<StripeSecrets>().Unprotect(encrypted).ShouldBe("sk_test_from_before_the_certificate");
    }

    // Data Protection as versions before the certificate set it up: same application name, keys stored unencrypted.
    private static (IDataProtectionProvider Provider, IXmlRepository Repository) LegacyKeyRing()
    {
        var repository = new MemoryXmlRepository();
        var services = new ServiceCollection().AddLogging();
        services.AddDataProtection().SetApplicationName("WinBack");
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = repository);
        return (services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>(), repository);
    }

    private static IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            yield return e;
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    private sealed class MemoryXmlRepository : IXmlRepository
    {
        private readonly List<XElement> _elements = [];
        public IReadOnlyCollection<XElement> GetAllElements() => _elements.ToList();
        public void StoreElement(XElement element, string friendlyName) => _elements.Add(element);
    }
}
