using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using JasperFx.Events;
using JasperFx.MultiTenancy;
using JasperFx;
using Marten;
using Npgsql;
using Weasel.Core;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Idempotency;
using WinBack.Api.Infrastructure.Sharding;
using WinBack.Domain.Common;

namespace WinBack.Api.Infrastructure.Marten;

public static class MartenSetup
{
    public const string SchemaName = "winback";

    public static IServiceCollection AddWinBackMarten(this IServiceCollection services, ShardLayout layout, SharedDataSources dataSources, WinBackRole role, FeatureContext features,
        bool tenantPartitionedEvents)
    {
        var wakeup = new OutboxWakeup(layout.Shards.Count);
        services.AddSingleton(wakeup);
        services.AddSingleton<SetBasedWrites>();
        services.AddSingleton<DocumentRows>();
        services.AddSingleton(sp => new ShardUpgrade((connection, ct) =>
            SetBasedWrites.LeaveRoomInStreamsAsync(connection, sp.GetRequiredService<IDocumentStore>(), ct)));
        var marten = services.AddMarten(options =>
            {
                // Marten's sharded tenancy, also with one database: the master keeps the assignment of tenants to shards,
                // WinBack places each new tenant itself (TenantPlacement), and a tenant Marten was never told of is refused,
                // never placed by accident.
                options.DataSourceFactory(dataSources);
                options.MultiTenantedWithShardedDatabases(sharding =>
                {
                    sharding.DataSource = dataSources.Create(layout.MasterConnectionString);
                    sharding.SchemaName = SchemaName;
                    sharding.PartitionSchemaName = SchemaName;
                    foreach (var shard in layout.Shards)
                        sharding.AddDatabase(shard.Name, dataSources.Stored(shard.ConnectionString)); // Marten stores it: no password
                    sharding.UseExplicitAssignment();
                });
                // Sharded tenancy would also LIST-partition every document table by tenant. Measured on the single-activity
                // POST: the customer-summary load took 1.05 ms a call on the partitioned table against 0.11 ms on a plain one,
                // and the API served 2,100 against 3,760 requests/s (docs/benchmarks.md, #24). The tenant_id column (and the
                // (tenant_id, id) primary key) tells tenants apart within a shard, as before sharding.
                options.Policies.ForAllDocuments(m => { m.DisablePartitioningIfAny = true; m.Partitioning = null; });
                options.DatabaseSchemaName = SchemaName;
                // Refuses text PostgreSQL cannot store before it reaches a jsonb parameter (UnstorableTextException says why).
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, json =>
                {
                    Http.StorableTextConverters.AddTo(json);
                    json.Converters.Add(new CompactInstantsConverter());
                    json.Converters.Add(new CompactValueStepsConverter());
                });

                // On a shard, its tenants' events share one table, separated by a tenant_id column (conjoined).
                // Customer streams are keyed by the tenant's own customer id.
                options.Events.StreamIdentity = StreamIdentity.AsString;
                // Appends never read the stream first (recording needs no prior state): fewer round trips.
                options.Events.AppendMode = EventAppendMode.Quick;
                options.Events.AddEventTypes(DomainEvents.All);
                options.Events.UseTenantPartitionedEvents = tenantPartitionedEvents;
                options.Storage.ExtendedSchemaObjects.Add(BackgroundHealth.Table());
                options.Storage.ExtendedSchemaObjects.Add(IdempotencyStore.Table());
                // Writes of a tenant moving off a shard are refused there (Sharding/TenantFence).
                options.Storage.ExtendedSchemaObjects.Add(TenantFence.Table());
                options.Storage.ExtendedSchemaObjects.Add(TenantFence.Guard());
                options.Listeners.Add(new TenantFenceListener());
                features.ApplyTo(options);

                // The daemon keeps its default polling (250 ms busy, 1 s quiet); writes of published events wake it at once
                // (OutboxWakeup): webhooks get the latency of fast polling (p99 0.46 s against 1.46 s) without the daemon
                // polling fast while an import writes a million events (docs/benchmarks.md).
                options.Projections.Wakeup = wakeup;

                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
            })
            .UseLightweightSessions()
            .BuildSessionsWith<TenantSessionFactory>(); // the schema is applied at start by DatabaseStartup

        features.ApplyTo(marten);

        // HotCold: every worker process runs the daemon, one of them (the holder of Marten's advisory lock) leads and runs
        // the subscriptions; when it dies its connection and lock go with it, and another takes over on its next poll.
        if (role.RunsWorker())
            marten.AddAsyncDaemon(DaemonMode.HotCold);

        return services;
    }

    // Marten sends the same statements over and over without preparing them; letting Npgsql prepare them
    // automatically, and not resetting pooled connections, saves PostgreSQL a parse and plan per statement.
    // Settings already present in the configured connection string win.
    internal static string Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 100;
            builder.AutoPrepareMinUsages = 2;
        }
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
            builder.NoResetOnClose = true;
        return builder.ConnectionString;
    }
}
