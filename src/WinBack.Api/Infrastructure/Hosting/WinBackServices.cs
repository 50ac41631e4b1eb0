using FastEndpoints;
using FluentValidation;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Idempotency;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.OpenApi;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.RateLimiting;
using WinBack.Api.Infrastructure.Secrets;
using WinBack.Api.Infrastructure.Sharding;
using WinBack.Api.Infrastructure.Telemetry;

namespace WinBack.Api.Infrastructure.Hosting;

public static class WinBackServices
{
    /// <summary>The platform's services, then each listed feature's (<see cref="IFeature"/>).</summary>
    public static WebApplicationBuilder AddWinBack(this WebApplicationBuilder builder, IReadOnlyList<IFeature> features)
    {
        var section = builder.Configuration.GetSection(WinBackOptions.Section);
        var options = section.Get<WinBackOptions>() ?? new WinBackOptions();
        var services = builder.Services;
        services.Configure<WinBackOptions>(section);
        // The default; RequestSizeLimitMiddleware raises it per request for uploads.
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            k.AddServerHeader = false; // no "Server: Kestrel" to fingerprint
        });

        // Before the local cluster starts, so that a missing certificate stops start-up with nothing left running.
        var keyRing = KeyRingCertificate.Resolve(options.DataProtection, builder.Environment);

        // Registered before anything that needs the database, so that it is stopped after them.
        var connectionString = builder.Configuration.GetConnectionString("WinBack");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var local = LocalPostgres.StartAsync(new LocalPostgresOptions(options.DataDir) { BinDir = options.PostgresBinDir })
                .GetAwaiter().GetResult();
            services.AddSingleton(local);
            services.AddHostedService<LocalPostgresLifetime>();
            connectionString = local.ConnectionStringFor(local.Database);
        }

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<Ids>();
        services.AddSingleton(ResolvePlatformKey(options, builder.Environment));
        services.AddHttpContextAccessor();
        var layout = ShardLayout.From(connectionString, options.Shards, MartenSetup.Tuned);
        services.AddSingleton(layout);
        services.AddSingleton<ShardDatabases>();
        services.AddSingleton<ShardSchemas>();
        var dataSources = new SharedDataSources();
        services.AddSingleton(_ => dataSources); // made by a factory, so that the container closes the pools at shut-down
        services.AddSingleton(new PlatformDatabase(dataSources.Create(layout.MasterConnectionString)));
        var featureContext = new FeatureContext(services, options, builder.Environment);
        // Registered before the features' start-up steps and Marten's schema work, which may read platform data.
        services.AddHostedService(provider => new DatabaseStartup(provider.GetRequiredService<PlatformDatabase>(), layout,
            provider.GetRequiredService<global::Marten.IDocumentStore>(), provider.GetRequiredService<ShardSchemas>(),
            [..featureContext.PlatformTables, PostgresXmlRepository.Table(), BackgroundHealth.Table(), WorkerNodes.Table(), IdempotencyStore.Table(), TenantRouting.Table()],
            provider.GetRequiredService<ILogger<DatabaseStartup>>()));
        foreach (var feature in features)
            feature.Register(featureContext);
        services.AddWinBackMarten(layout, dataSources, options.Role, featureContext, options.TenantPartitionedEvents);
        services.AddSingleton<BackgroundHealth>();
        services.AddSingleton<QueuedJobs>();
        services.AddSingleton<TenantRouting>();
        services.AddHostedService(sp => sp.GetRequiredService<TenantRouting>());
        services.AddSingleton<WorkerNodes>();
        services.AddWinBackTelemetry(builder.Configuration);
        // Stored secrets are encrypted with Data Protection; its key ring lives in PostgreSQL, encrypted with the configured certificate.
        services.AddWinBackDataProtection(keyRing, connectionString);
        services.AddSecretProtector<IdempotencyBodies>();
        services.AddSingleton<IdempotencyStore>();
        services.AddHealthChecks().AddNpgSql(connectionString, name: "postgresql", tags: ["ready"]);

        if (options.Role.ServesApi())
        {
            services.AddMemoryCache();
            services.AddSingleton<ApiKeyCache>();
            services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
                .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(
                    ApiKeyAuthenticationHandler.SchemeName, null);
            services.AddAuthorization();
            services.AddSingleton(new RateLimits(options.RateLimit));
            services.AddTrustedProxies(options.ForwardedHeaders);
            services.ConfigureHttpJsonOptions(json => WinBackJson.Configure(json.SerializerOptions));
            // One message per field: a field's later rules run only when its earlier ones pass.
            ValidatorOptions.Global.DefaultRuleLevelCascadeMode = CascadeMode.Stop;
            // FluentValidation names fields as the JSON does ("'name' must not be empty.").
            ValidatorOptions.Global.DisplayNameResolver = (_, member, _) =>
                member is null ? null : System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(member.Name);
            // A feature's endpoints are served only when its module is listed.
            var listed = features.Select(f => f.GetType().Namespace).ToHashSet();
            services.AddFastEndpoints(discovery => discovery.Filter = endpoint => listed.Contains(endpoint.Namespace));
            services.AddWinBackOpenApi();
        }

        if (options.Role.RunsWorker())
        {
            services.AddHostedService<PlaintextSecretSealing>();
            services.AddHostedService<IdempotencyKeyPurge>();
            services.AddSingleton<LoopLeases>();
            services.AddSingleton<WorkerHeartbeat>();
            services.AddHostedService(sp => sp.GetRequiredService<WorkerHeartbeat>());
        }

        return builder;
    }

    private static PlatformKey ResolvePlatformKey(WinBackOptions options, IWebHostEnvironment environment)
    {
        if (!string.IsNullOrWhiteSpace(options.PlatformKey))
            return new PlatformKey(options.PlatformKey, generated: false);
        if (environment.IsDevelopment())
            return PlatformKey.Generate();
        throw new InvalidOperationException(
            "WinBack__PlatformKey is not set. Outside Development the operator's platform key must be configured.");
    }
}
