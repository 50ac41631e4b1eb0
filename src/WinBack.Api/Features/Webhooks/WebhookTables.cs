using Marten;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;

namespace WinBack.Api.Features.Webhooks;

/// <summary>
/// The webhook tables. Plain tables rather than documents: the dispatcher picks due deliveries, keeps per-customer
/// order and records attempts with set-based SQL, and endpoint health is updated in place without lost updates.
/// <list type="bullet">
/// <item><c>webhook_endpoint</c>: a tenant's receivers, their secrets and health.</item>
/// <item><c>webhook_event</c>: every published event once, with the exact body that is signed and sent (GET /v1/events).</item>
/// <item><c>webhook_delivery</c>: the outbox, one row per event and endpoint (and per replay).</item>
/// <item><c>webhook_attempt</c>: the log of every attempt.</item>
/// </list>
/// </summary>
[Published]
public static class WebhookTables
{
    private const string Schema = MartenSetup.SchemaName;
    public const string Endpoints = Schema + ".webhook_endpoint";
    public const string Events = Schema + ".webhook_event";
    public const string Deliveries = Schema + ".webhook_delivery";
    public const string Attempts = Schema + ".webhook_attempt";

    public static void Configure(StoreOptions options)
    {
        var endpoints = new Table(Endpoints);
        endpoints.AddColumn<string>("tenant_id").AsPrimaryKey();
        endpoints.AddColumn<string>("id").AsPrimaryKey();
        endpoints.AddColumn<string>("url").NotNull();
        endpoints.AddColumn<string>("description");
        endpoints.AddColumn("events", "text[]").NotNull();
        endpoints.AddColumn<bool>("enabled").NotNull();
        // Both secrets encrypted with Data Protection (WebhookSecrets); the signer opens them.
        endpoints.AddColumn<string>("secret").NotNull();
        // The secret before the last rotation, which keeps signing until previous_expires_at.
        endpoints.AddColumn<string>("previous_secret");
        endpoints.AddColumn<DateTimeOffset>("previous_expires_at");
        endpoints.AddColumn<DateTimeOffset>("created_at").NotNull();
        endpoints.AddColumn<DateTimeOffset>("updated_at").NotNull();
        // The first failed attempt since the last success (wall clock); null while healthy.
        endpoints.AddColumn<DateTimeOffset>("failing_since");
        endpoints.AddColumn<DateTimeOffset>("disabled_at");
        endpoints.AddColumn<string>("disabled_reason");

        var events = new Table(Events);
        events.AddColumn<string>("id").AsPrimaryKey();
        events.AddColumn<string>("tenant_id").NotNull();
        // The event store's sequence: unique per tenant, so a re-run of the subscription inserts nothing twice (with
        // tenant-partitioned events each tenant has a sequence of its own). Null for pings.
        events.AddColumn<long>("seq");
        events.AddColumn<string>("type").NotNull();
        events.AddColumn<string>("customer_id");
        // The customer's (or rule's) chain: its deliveries go out one after the other.
        events.AddColumn<string>("chain").NotNull();
        events.AddColumn<DateTimeOffset>("created_at").NotNull();
        // Text, not jsonb: the body is sent byte for byte as it was first written.
        events.AddColumn<string>("payload").NotNull();
        events.Indexes.Add(new IndexDefinition("ux_webhook_event_tenant_seq") { Columns = ["tenant_id", "seq"], IsUnique = true });
        events.Indexes.Add(new IndexDefinition("ix_webhook_event_customer") { Columns = ["tenant_id", "customer_id", "seq"] });

        var deliveries = new Table(Deliveries);
        deliveries.AddColumn<long>("n").AsPrimaryKey().BigAutoIncrement();
        deliveries.AddColumn<string>("id").NotNull();
        deliveries.AddColumn<string>("tenant_id").NotNull();
        deliveries.AddColumn<string>("endpoint_id").NotNull();
        deliveries.AddColumn<string>("event_id").NotNull();
        // Order within a chain: the customer's (or rule's) events go out one after the other, by this.
        deliveries.AddColumn<long>("event_seq").NotNull();
        deliveries.AddColumn<string>("chain").NotNull();
        deliveries.AddColumn<string>("status").NotNull();
        deliveries.AddColumn<int>("attempts").NotNull();
        // Wall clock, for every tenant: a test clock drives a tenant's events, not their transport. -infinity: due at once.
        deliveries.AddColumn<DateTimeOffset>("next_attempt_at").NotNull();
        deliveries.AddColumn<DateTimeOffset>("created_at").NotNull();
        deliveries.AddColumn<DateTimeOffset>("last_attempt_at");
        deliveries.AddColumn<int>("last_status_code");
        deliveries.AddColumn<string>("last_error");
        deliveries.Indexes.Add(new IndexDefinition("ux_webhook_delivery_id") { Columns = ["id"], IsUnique = true });
        // The dispatcher's round: the tenants with pending deliveries (a skip scan on its first column), then each one's due ones in order.
        deliveries.Indexes.Add(new IndexDefinition("ix_webhook_delivery_tenant_due")
            { Columns = ["tenant_id", "next_attempt_at", "event_seq"], Predicate = "status = 'pending'" });
        deliveries.Indexes.Add(new IndexDefinition("ix_webhook_delivery_chain") { Columns = ["endpoint_id", "chain", "event_seq"], Predicate = "status = 'pending'" });
        deliveries.Indexes.Add(new IndexDefinition("ix_webhook_delivery_endpoint") { Columns = ["tenant_id", "endpoint_id", "n"] });
        // An endpoint's health counts its failed deliveries.
        deliveries.Indexes.Add(new IndexDefinition("ix_webhook_delivery_failed") { Columns = ["tenant_id", "endpoint_id"], Predicate = "status = 'failed'" });

        var attempts = new Table(Attempts);
        attempts.AddColumn<long>("n").AsPrimaryKey().BigAutoIncrement();
        attempts.AddColumn<string>("tenant_id").NotNull();
        attempts.AddColumn<string>("delivery_id").NotNull();
        attempts.AddColumn<DateTimeOffset>("attempted_at").NotNull();
        attempts.AddColumn<DateTimeOffset>("sent_at").NotNull();
        attempts.AddColumn<int>("status_code");
        attempts.AddColumn<int>("latency_ms").NotNull();
        attempts.AddColumn<string>("response_body");
        attempts.AddColumn<string>("error");
        attempts.AddColumn<bool>("succeeded").NotNull();
        attempts.Indexes.Add(new IndexDefinition("ix_webhook_attempt_delivery") { Columns = ["delivery_id", "n"] });
        // An endpoint's health reads the tenant's attempts of the last 24 hours.
        attempts.Indexes.Add(new IndexDefinition("ix_webhook_attempt_tenant_time") { Columns = ["tenant_id", "attempted_at"] });

        options.Storage.ExtendedSchemaObjects.Add(endpoints);
        options.Storage.ExtendedSchemaObjects.Add(events);
        options.Storage.ExtendedSchemaObjects.Add(deliveries);
        options.Storage.ExtendedSchemaObjects.Add(attempts);
    }
}
