using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace WinBack.Api.Tests.Infrastructure;

/// <summary>The real service over HTTP, on its own database, with a fake clock.</summary>
public class WinBackApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string PlatformKey = "wb_platform_tests_only_0123456789abcdef";
    private string _connectionString = "";

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.Parse("2026-11-24T09:00:00Z"));

    /// <summary>The hosting environment; Development turns on the demo tenant.</summary>
    protected virtual string EnvironmentName => "Testing";

    /// <summary>Extra settings for a fixture, such as a tight rate limit.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    /// <summary>The fixture's database; a second app on it plays a second process.</summary>
    public string ConnectionString => _connectionString;

    /// <summary>The database the app runs on: a fresh one, unless a fixture shares another's.</summary>
    protected virtual Task<string> DatabaseAsync() => TestDatabaseServer.CreateDatabaseAsync();

    public async Task InitializeAsync()
    {
        _connectionString = await DatabaseAsync();
        StartServer(); // boot now, so that schema creation is not timed inside a test
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("ConnectionStrings:WinBack", _connectionString);
        builder.UseSetting("WinBack:PlatformKey", PlatformKey);
        builder.UseSetting("WinBack:RateLimit:RequestsPerSecond", "10000");
        builder.UseSetting("WinBack:RateLimit:Burst", "10000");
        builder.UseSetting("WinBack:RateLimit:TenantRequestsPerSecond", "10000");
        builder.UseSetting("WinBack:RateLimit:TenantBurst", "10000");
        builder.UseSetting("WinBack:RateLimit:UnauthenticatedRequestsPerSecond", "10000");
        builder.UseSetting("WinBack:RateLimit:UnauthenticatedBurst", "10000");
        // Test receivers listen on 127.0.0.1.
        builder.UseSetting("WinBack:Webhooks:AllowPrivateTargets", "true");
        builder.UseSetting("WinBack:DataProtection:Certificate", TestKeyRingCertificate.Base64);
        builder.UseSetting("WinBack:DataProtection:CertificatePassword", TestKeyRingCertificate.Password);
        foreach (var (key, value) in Settings)
            builder.UseSetting(key, value);
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<IStartupFilter, TestRemoteAddress>();
        });
    }

    public HttpClient ClientWithKey(string secret)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    public HttpClient PlatformClient() => ClientWithKey(PlatformKey);

    /// <summary>Creates a tenant through the API and returns clients holding its two keys.</summary>
    /// <param name="shard">The shard to place it on; by default the service chooses.</param>
    public async Task<TestTenant> CreateTenantAsync(string mode = "test", string name = "acme", string? shard = null)
    {
        using var platform = PlatformClient();
        return await TestTenant.CreateAsync(platform, ClientWithKey, mode, name, shard);
    }

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    public sealed record TenantCreated(string Id, string Name, string Mode, string Shard, List<KeyCreated> ApiKeys);
    public sealed record KeyCreated(string Id, string Scope, string Secret, string Redacted);
}

/// <summary>
/// The in-memory test server has no client address; a test names one with the <see cref="Header"/> header, as a
/// connection from that address would have it.
/// </summary>
public sealed class TestRemoteAddress : IStartupFilter
{
    public const string Header = "X-Test-Remote-Address";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, following) =>
        {
            if (context.Request.Headers.Remove(Header, out var address))
                context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(address.ToString());
            return following(context);
        });
        next(app);
    };
}

/// <summary>
/// The service over two shards on two PostgreSQL servers: the master and shard <c>a</c> on cluster 0, shard <c>b</c> on
/// cluster 1. A second process on the same databases is <see cref="SecondProcess"/> with <see cref="ShardSettings"/>.
/// </summary>
public class ShardedWinBackApp : WinBackApp
{
    public IReadOnlyDictionary<string, string> ShardSettings { get; private set; } = new Dictionary<string, string>();

    protected override IReadOnlyDictionary<string, string> Settings => ShardSettings;

    protected override async Task<string> DatabaseAsync()
    {
        ShardSettings = new Dictionary<string, string>
        {
            ["WinBack:Shards:a"] = await TestDatabaseServer.CreateDatabaseAsync(cluster: 0),
            ["WinBack:Shards:b"] = await ShardBAsync(),
        };
        return await TestDatabaseServer.CreateDatabaseAsync(cluster: 0);
    }

    /// <summary>Shard b's database: on cluster 1, unless a fixture gives one of its own (a cluster it stops).</summary>
    protected virtual Task<string> ShardBAsync() => TestDatabaseServer.CreateDatabaseAsync(cluster: 1);

    /// <summary>The connection string of a shard.</summary>
    public string Shard(string name) => ShardSettings[$"WinBack:Shards:{name}"];
}

/// <summary>Another process of the service on an existing app's database.</summary>
public sealed class SecondProcess(string connectionString, IReadOnlyDictionary<string, string>? settings = null) : WinBackApp
{
    protected override Task<string> DatabaseAsync() => Task.FromResult(connectionString);

    protected override IReadOnlyDictionary<string, string> Settings => settings ?? base.Settings;
}

public sealed record TestTenant(string Id, HttpClient Admin, HttpClient Ingest, WinBackApp.KeyCreated AdminKey, WinBackApp.KeyCreated IngestKey)
{
    /// <summary>The one way tests create a tenant: through the API with the platform key, keeping clients of its two keys.</summary>
    public static async Task<TestTenant> CreateAsync(HttpClient platform, Func<string, HttpClient> clientWithKey, string mode, string name,
        string? shard = null)
    {
        var response = await platform.PostAsJsonAsync("/v1/tenants", new { name, mode, shard });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var tenant = (await response.Content.ReadFromJsonAsync<WinBackApp.TenantCreated>())!;
        if (shard is not null)
            tenant.Shard.ShouldBe(shard);
        var admin = tenant.ApiKeys.Single(k => k.Scope == "admin");
        var ingest = tenant.ApiKeys.Single(k => k.Scope == "ingest");
        return new TestTenant(tenant.Id, clientWithKey(admin.Secret), clientWithKey(ingest.Secret), admin, ingest) { Shard = tenant.Shard };
    }

    /// <summary>The shard that holds the tenant's data.</summary>
    public string Shard { get; init; } = "";

    /// <summary>The same tenant's keys on another app (a restarted process).</summary>
    public TestTenant On(WinBackApp app) => this with { Admin = app.ClientWithKey(AdminKey.Secret), Ingest = app.ClientWithKey(IngestKey.Secret) };
}
