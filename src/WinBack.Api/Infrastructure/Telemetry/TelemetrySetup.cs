using Marten;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OpenTelemetry;

namespace WinBack.Api.Infrastructure.Telemetry;

public static class TelemetrySetup
{
    /// <summary>
    /// WinBack's meter is always recorded (cheap when nobody listens). OpenTelemetry itself (traces and metrics of ASP.NET
    /// Core, HttpClient, Npgsql and WinBack, exported over OTLP) is registered only when the standard
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set; the other OTEL_* variables (protocol, headers, intervals) apply as usual.
    /// </summary>
    public static IServiceCollection AddWinBackTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.AddSingleton<WinBackMetrics>();
        services.ConfigureMarten((sp, options) => options.Listeners.Add(new EventMetrics(sp.GetRequiredService<WinBackMetrics>())));
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            return services;

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName: configuration["OTEL_SERVICE_NAME"] ?? "winback"))
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddNpgsql())
            .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddNpgsqlInstrumentation()
                .AddMeter(WinBackMetrics.MeterName))
            .UseOtlpExporter();
        return services;
    }
}
