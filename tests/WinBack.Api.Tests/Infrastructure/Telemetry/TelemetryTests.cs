using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Webhooks;

namespace WinBack.Api.Tests.Infrastructure.Telemetry;

/// <summary>WinBack's meter, read through OpenTelemetry's in-memory exporter (configured in this test host only).</summary>
public sealed class WinBackMeterTests(WinBackMeterTests.InMemoryTelemetryApp app) : IClassFixture<WinBackMeterTests.InMemoryTelemetryApp>
{
    [Fact]
    public async Task Recording_an_activity_increments_the_activities_counter()
    {
        var tenant = await app.CreateTenantAsync();
        var before = app.Sum("winback.activities.recorded", ("activity.type", "subscription_cancelled"));

        await tenant.ActivityAsync("cus_otel_1", "subscription_cancelled");
        await tenant.ActivityAsync("cus_otel_2", "subscription_cancelled");

        app.Sum("winback.activities.recorded", ("activity.type", "subscription_cancelled")).ShouldBeGreaterThanOrEqualTo(before + 2);
    }

    [Fact]
    public async Task Imported_lines_are_counted()
    {
        var tenant = await app.CreateTenantAsync();
        var before = app.Sum("winback.import.lines");
        var lines = Enumerable.Range(1, 3).Select(i =>
            $$$"""{"customerId":"cus_imp_{{{i}}}","firstSeenAt":"2025-01-01T00:00:00Z","lastActivityAt":"2026-05-01T00:00:00Z","orderCount":1,"lifetimeValue":{"amount":100,"currency":"eur"}}""");
        var response = await tenant.Ingest.PostAsync("/v1/customers/import",
            new StringContent(string.Join("\n", lines) + "\n", System.Text.Encoding.UTF8, "application/x-ndjson"));
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted);

        await Eventually.TrueAsync(() => app.Sum("winback.import.lines") >= before + 3, "the three lines counted");
    }

    [Fact]
    public async Task A_delivered_webhook_counts_a_succeeded_attempt_with_its_latency_and_the_outbox_depth_is_reported()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync();
        var before = app.Sum("winback.webhook.attempts", ("outcome", "succeeded"));
        var endpointId = (await tenant.CreateEndpointAsync(receiver.Url, "*")).GetProperty("id").GetString()!;
        (await tenant.Admin.PostAsync($"/v1/webhook-endpoints/{endpointId}/test", null)).EnsureSuccessStatusCode();
        await receiver.WaitForAsync(r => r.Count(w => w.AnsweredWith == 200) >= 1, "the ping");

        await Eventually.TrueAsync(() => app.Sum("winback.webhook.attempts", ("outcome", "succeeded")) >= before + 1, "a succeeded attempt counted");
        app.Latest("winback.webhook.delivery.latency").ShouldNotBeNull("the latency histogram is recorded");
        app.Latest("winback.outbox.depth")!.MetricPoints.Select(Tag("outbox")).ShouldBe(["webhooks", "stripe"], ignoreOrder: true);
    }

    private static Func<MetricPoint, string?> Tag(string key) => point =>
    {
        foreach (var tag in point.Tags)
            if (tag.Key == key)
                return tag.Value?.ToString();
        return null;
    };

    public sealed class InMemoryTelemetryApp : WinBackApp
    {
        private readonly List<MetricSnapshot> _exported = [];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // Meters are process-wide and every test app makes one named WinBack: only this app's (its IMeterFactory's) are kept.
            builder.ConfigureServices(services => services.AddOpenTelemetry()
                .WithMetrics(metrics => ((IDeferredMeterProviderBuilder)metrics).Configure((sp, deferred) =>
                {
                    var own = sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
                    deferred.AddMeter("WinBack").AddInMemoryExporter(_exported)
                        .AddView(instrument => ReferenceEquals(instrument.Meter.Scope, own) ? null : MetricStreamConfiguration.Drop);
                })));
        }

        /// <summary>The latest reading of a metric, exported now.</summary>
        public MetricSnapshot? Latest(string name)
        {
            lock (_exported)
            {
                Services.GetRequiredService<MeterProvider>().ForceFlush();
                return _exported.LastOrDefault(m => m.Name == name);
            }
        }

        /// <summary>A counter's total over its points carrying the tag (cumulative: the latest export is the total).</summary>
        public long Sum(string name, (string Key, string Value)? tag = null) =>
            Latest(name)?.MetricPoints.Where(p => tag is not { } t || Tag(t.Key)(p) == t.Value).Sum(p => p.GetSumLong()) ?? 0;
    }
}

/// <summary>OpenTelemetry is not registered at all unless OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
public sealed class TelemetryOffTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public void Without_an_OTLP_endpoint_no_provider_is_registered()
    {
        app.Services.GetService<MeterProvider>().ShouldBeNull();
        app.Services.GetService<TracerProvider>().ShouldBeNull();
    }
}

/// <summary>With OTEL_EXPORTER_OTLP_ENDPOINT set, traces and metrics go to that collector over OTLP (here a real server on 127.0.0.1).</summary>
public sealed class OtlpExportTests(OtlpExportTests.OtlpApp app) : IClassFixture<OtlpExportTests.OtlpApp>
{
    [Fact]
    public async Task Traces_and_metrics_reach_the_configured_collector()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.ActivityAsync("cus_otlp", "login");

        await Eventually.TrueAsync(() => app.Collector.Paths.Contains("/v1/metrics") && app.Collector.Paths.Contains("/v1/traces"),
            "metrics and traces posted to the collector");
    }

    public sealed class OtlpApp : WinBackApp
    {
        private OtlpCollector? _collector;

        public OtlpCollector Collector => _collector ??= OtlpCollector.StartAsync().GetAwaiter().GetResult();

        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Collector.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
        };

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            if (_collector is not null)
                await _collector.DisposeAsync();
        }
    }
}

/// <summary>A stand-in OTLP/HTTP collector: answers 200 to every POST and remembers the paths.</summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpCollector(WebApplication app, string url) => (_app, Url) = (app, url);

    public string Url { get; }

    public ConcurrentBag<string> Paths { get; } = [];

    public static async Task<OtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        OtlpCollector? collector = null;
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            collector!.Paths.Add(context.Request.Path.Value!);
            return Results.Ok();
        });
        await app.StartAsync();
        collector = new OtlpCollector(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return collector;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
