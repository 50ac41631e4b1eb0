using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using Npgsql;
using JasperFx.MultiTenancy;
using Weasel.Core;
using JasperFx.Events.Projections;
using WinBack.Api.Features.ApiKeys;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Imports;
using WinBack.Api.Features.Rules;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Idempotency;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Infrastructure.Marten;

public static class MartenSetup
{
    public const string SchemaName = "winback";

    public static IServiceCollection AddWinBackMarten(this IServiceCollection services, string connectionString, WinBackRole role)
    {
        var wakeup = new OutboxWakeup();
        services.AddSingleton(wakeup);
        var marten = services.AddMarten(options =>
            {
                options.Connection(Tuned(connectionString));
                options.DatabaseSchemaName = SchemaName;
                // Refuses text PostgreSQL cannot store before it reaches a jsonb parameter (UnstorableTextException says why).
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, json => Http.StorableTextConverters.AddTo(json));

                // Every tenant's documents and events share tables, separated by a tenant_id column.
                options.Policies.AllDocumentsAreMultiTenanted();
                options.Events.TenancyStyle = TenancyStyle.Conjoined;
                // Customer streams are keyed by the tenant's own customer id.
                options.Events.StreamIdentity = StreamIdentity.AsString;
                // Appends never read the stream first (recording needs no prior state): fewer round trips.
                options.Events.AppendMode = EventAppendMode.Quick;
                options.Events.AddEventTypes([typeof(ActivityRecorded), typeof(ProfileUpdated), typeof(CustomerImported)]);
                options.Events.AddEventTypes([typeof(CustomerLapsed), typeof(CustomerReactivated), typeof(RewardIssued), typeof(RewardWithheld),
                    typeof(RewardRedeemed), typeof(RewardRedemptionReversed), typeof(RewardExpired), typeof(RewardRevoked), typeof(RewardExpiryApproached), typeof(RewardSyncedToStripe), typeof(RewardStripeSyncFailed)]);
                options.Events.AddEventTypes([typeof(RuleCreated), typeof(RuleRevised), typeof(RuleActivated), typeof(RulePaused), typeof(RuleArchived)]);
                options.Projections.Add<CustomerSummaryProjection>(ProjectionLifecycle.Inline);
                options.Projections.Add<RuleSummaryProjection>(ProjectionLifecycle.Inline);
                Features.Rewards.RewardRecordProjection.Configure(options);
                // The customer summary projection writes the report rows of lapse episodes as a side effect, inline.
                options.Events.EnableSideEffectsOnInlineProjections = true;
                Features.Reports.LapseEpisodeTable.Configure(options);
                Features.Webhooks.WebhookTables.Configure(options);
                Features.Imports.ImportTables.Configure(options);
                options.Storage.ExtendedSchemaObjects.Add(Postgres.PostgresXmlRepository.Table());
                options.Storage.ExtendedSchemaObjects.Add(BackgroundHealth.Table());
                options.Storage.ExtendedSchemaObjects.Add(WorkerNodes.Table());
                options.Schema.For<Features.Stripe.StripeConnection>();
                Features.Stripe.StripeTables.Configure(options);
                // One index, (tenant_id, status, last activity), for the lapse sweep and the list filters;
                // every extra index would be written on each activity.
                options.Schema.For<CustomerSummary>()
                    .StartIndexesByTenantId()
                    .Index([x => x.State.Status, x => x.State.LastActivityAt])
                    // Stripe's events name the customer by their Stripe id. Partial: customers without one (most, in
                    // tenants not on Stripe) add nothing to it on each write.
                    .Index(x => x.State.StripeCustomerId!, index => index.Predicate = "(data -> 'state' ->> 'stripeCustomerId') is not null");

                // Platform-level documents: tenants, and idempotency records (whose id carries the owner).
                options.Schema.For<Features.Tenants.Tenant>().SingleTenanted();
                options.Schema.For<IdempotencyRecord>().SingleTenanted()
                    .Duplicate(x => x.CreatedAt);
                options.Schema.For<ApiKey>().Duplicate(x => x.SecretHash);
                options.Schema.For<ActivityDedupe>().SingleTenanted();
                options.Schema.For<Features.TestClocks.TestClock>().SingleTenanted();
                options.Schema.For<Features.Sweeps.SweepJob>().SingleTenanted();
                options.Schema.For<ImportJob>();

                // The daemon keeps its default polling (250 ms busy, 1 s quiet); writes of published events wake it at once
                // (OutboxWakeup): webhooks get the latency of fast polling (p99 0.46 s against 1.46 s) without the daemon
                // polling fast while an import writes a million events (docs/benchmarks.md).
                options.Projections.Wakeup = wakeup;

                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
            })
            .UseLightweightSessions()
            .BuildSessionsWith<TenantSessionFactory>()
            .ApplyAllDatabaseChangesOnStartup();

        // The webhook outbox is filled by a subscription, which the async daemon runs in the worker.
        marten.AddSubscriptionWithServices<Features.Webhooks.WebhookOutbox>(ServiceLifetime.Singleton);
        marten.AddSubscriptionWithServices<Features.Stripe.StripeOutbox>(ServiceLifetime.Singleton);

        // HotCold: every worker process runs the daemon, one of them (the holder of Marten's advisory lock) leads and runs
        // the subscriptions; when it dies its connection and lock go with it, and another takes over on its next poll.
        if (role.RunsWorker())
            marten.AddAsyncDaemon(DaemonMode.HotCold);

        return services;
    }

    // Marten sends the same statements over and over without preparing them; letting Npgsql prepare them
    // automatically, and not resetting pooled connections, saves PostgreSQL a parse and plan per statement.
    // Settings already present in the configured connection string win.
    private static string Tuned(string connectionString)
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
