using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Stripe;

/// <summary>The service pointed at a <see cref="StripeFake"/>, capturing every log line it writes.</summary>
public class StripeApp : WinBackApp
{
    private readonly string? _connectionString;
    private readonly bool _ownsFake;

    public StripeApp() => _ownsFake = true;

    private StripeApp(StripeFake fake, string? connectionString) => (Fake, _connectionString) = (fake, connectionString);

    /// <summary>An app on a fake the caller owns; with a connection string, a second process on an existing app's database.</summary>
    public static StripeApp On(StripeFake fake, string? connectionString = null) => new(fake, connectionString);

    public StripeFake Fake { get; private set; } = null!;
    public ConcurrentQueue<string> Logs { get; } = new();

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["WinBack:Stripe:ApiBase"] = Fake.ApiBase,
        ["WinBack:Stripe:Timeout"] = "00:00:02",
    };

    protected override async Task<string> DatabaseAsync()
    {
        Fake ??= await StripeFake.StartAsync();
        return _connectionString ?? await base.DatabaseAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new CapturingLoggerProvider(Logs)));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsFake)
            await Fake.DisposeAsync();
    }

    /// <summary>Connects the tenant to the fake with its key and a signing secret.</summary>
    public static async Task ConnectAsync(TestTenant tenant, string signingSecret = StripeSigning.Secret) =>
        await EngineRequests.ReadAsync(await tenant.Admin.PutAsync("/v1/integrations/stripe", RuleRequests.Json(new JsonObject
            { ["secretKey"] = StripeFake.SecretKey, ["webhookSigningSecret"] = signingSecret })), 200);

    /// <summary>A customer who exists in WinBack and, with the same Stripe id, in the fake.</summary>
    public async Task<string> CustomerAsync(TestTenant tenant, string customerId, string stripeCustomerId)
    {
        Fake.AddCustomer(stripeCustomerId);
        await EngineRequests.ReadAsync(await tenant.Ingest.PutAsync($"/v1/customers/{customerId}", RuleRequests.Json(new JsonObject
            { ["stripeCustomerId"] = stripeCustomerId })), 200);
        return customerId;
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, logs);
        public void Dispose() { }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> logs) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Enqueue($"{category}: {formatter(state, exception)} {exception}");
    }
}

public static class StripeSigning
{
    public const string Secret = "whsec_test_fake_signing_secret_0123456789";
}
