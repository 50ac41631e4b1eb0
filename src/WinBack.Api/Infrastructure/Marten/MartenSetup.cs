using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using JasperFx.MultiTenancy;
using Weasel.Core;
using JasperFx.Events.Projections;
using WinBack.Api.Features.ApiKeys;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Idempotency;
using WinBack.Domain.Customers;

namespace WinBack.Api.Infrastructure.Marten;

public static class MartenSetup
{
    public const string SchemaName = "winback";

    public static IServiceCollection AddWinBackMarten(this IServiceCollection services, string connectionString, WinBackRole role)
    {
        var marten = services.AddMarten(options =>
            {
                options.Connection(connectionString);
                options.DatabaseSchemaName = SchemaName;
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

                // Every tenant's documents and events share tables, separated by a tenant_id column.
                options.Policies.AllDocumentsAreMultiTenanted();
                options.Events.TenancyStyle = TenancyStyle.Conjoined;
                // Customer streams are keyed by the tenant's own customer id.
                options.Events.StreamIdentity = StreamIdentity.AsString;
                // Appends never read the stream first (recording needs no prior state): fewer round trips.
                options.Events.AppendMode = EventAppendMode.Quick;
                options.Events.AddEventTypes([typeof(ActivityRecorded), typeof(ProfileUpdated), typeof(CustomerImported)]);
                options.Projections.Add<CustomerSummaryProjection>(ProjectionLifecycle.Inline);
                options.Schema.For<CustomerSummary>()
                    .StartIndexesByTenantId()
                    .Duplicate(x => x.State.Status)
                    .Duplicate(x => x.State.LastActivityAt)
                    .Index([x => x.State.Status, x => x.State.LastActivityAt]);

                // Platform-level documents: tenants, and idempotency records (whose id carries the owner).
                options.Schema.For<Features.Tenants.Tenant>().SingleTenanted();
                options.Schema.For<IdempotencyRecord>().SingleTenanted()
                    .Duplicate(x => x.CreatedAt);
                options.Schema.For<ApiKey>().Duplicate(x => x.SecretHash);
                options.Schema.For<ActivityDedupe>().SingleTenanted();

                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
            })
            .UseLightweightSessions()
            .BuildSessionsWith<TenantSessionFactory>()
            .ApplyAllDatabaseChangesOnStartup();

        // Solo: exactly one worker process runs projections. HotCold needs the DistributedLock fork (packages/README.md).
        if (role.RunsWorker())
            marten.AddAsyncDaemon(DaemonMode.Solo);

        return services;
    }
}
