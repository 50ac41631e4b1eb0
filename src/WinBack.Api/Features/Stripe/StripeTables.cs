using Marten;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;

namespace WinBack.Api.Features.Stripe;

/// <summary>
/// <c>stripe_sync</c>: the Stripe outbox, one row per reward and action (credit, reversal, discount) with its retry state;
/// <c>stripe_inbound_event</c>: every Stripe event received, once (deduplicated by its id), with what became of it.
/// </summary>
[Published]
public static class StripeTables
{
    public const string Sync = MartenSetup.SchemaName + ".stripe_sync";
    public const string Inbound = MartenSetup.SchemaName + ".stripe_inbound_event";

    public static void Configure(StoreOptions options)
    {
        var sync = new Table(Sync);
        sync.AddColumn<long>("n").AsPrimaryKey().BigAutoIncrement();
        sync.AddColumn<string>("tenant_id").NotNull();
        sync.AddColumn<string>("reward_id").NotNull();
        sync.AddColumn<string>("customer_id").NotNull();
        sync.AddColumn<string>("stripe_customer_id").NotNull();
        sync.AddColumn<string>("action").NotNull();
        // Sent as Stripe's Idempotency-Key: a retry after a crash or a timeout replays the first answer instead of crediting twice.
        sync.AddColumn<string>("idempotency_key").NotNull();
        // What to send, fixed when the row is queued so every retry sends the same parameters.
        sync.AddColumn("request", "jsonb").NotNull();
        sync.AddColumn<string>("status").NotNull();
        sync.AddColumn<int>("attempts").NotNull();
        sync.AddColumn<DateTimeOffset>("next_attempt_at").NotNull();
        sync.AddColumn<string>("last_error");
        sync.AddColumn<string>("stripe_object_id");
        sync.AddColumn<DateTimeOffset>("created_at").NotNull();
        sync.Indexes.Add(new IndexDefinition("ux_stripe_sync_key") { Columns = ["idempotency_key"], IsUnique = true });
        sync.Indexes.Add(new IndexDefinition("ix_stripe_sync_due") { Columns = ["next_attempt_at"], Predicate = "status = 'pending'" });
        sync.Indexes.Add(new IndexDefinition("ix_stripe_sync_reward") { Columns = ["tenant_id", "reward_id"] });

        var inbound = new Table(Inbound);
        inbound.AddColumn<string>("tenant_id").AsPrimaryKey();
        inbound.AddColumn<string>("event_id").AsPrimaryKey();
        inbound.AddColumn<string>("type").NotNull();
        inbound.AddColumn<string>("stripe_customer_id");
        // applied, ignored (a type WinBack does not use), unmatched (no customer with that Stripe id yet; tried again later),
        // rejected (a value WinBack does not take, such as an amount past the bound) or parked (it kept failing).
        inbound.AddColumn<string>("status").NotNull();
        inbound.AddColumn<string>("payload").NotNull();
        inbound.AddColumn<DateTimeOffset>("received_at").NotNull();
        // Why it was rejected or parked, or why its last try failed.
        inbound.AddColumn<string>("reason");
        // When an unmatched event was last tried (the database's clock): the retry takes the least recently tried first, in turn.
        inbound.AddColumn<DateTimeOffset>("tried_at");
        inbound.Indexes.Add(new IndexDefinition("ix_stripe_inbound_unmatched") { Columns = ["tenant_id", "received_at"], Predicate = "status = 'unmatched'" });

        options.Storage.ExtendedSchemaObjects.Add(sync);
        options.Storage.ExtendedSchemaObjects.Add(inbound);
    }
}
