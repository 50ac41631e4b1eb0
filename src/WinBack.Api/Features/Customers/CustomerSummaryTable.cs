using System.Text;
using Marten;
using Marten.Services.BatchQuerying;
using Npgsql;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

/// <summary>
/// Where customers' hot state lives: a table of WinBack's own, not a Marten document table. Each row holds the summary as
/// JSON text (Marten's serializer; PostgreSQL never parses it on a write) and, as typed columns, the fields that queries filter
/// on: the status and last activity of the lapse sweep's index, the Stripe id, the dates the triggers' windows bound, and the
/// purchase history the risk model reads. A write of a Marten jsonb document parsed its ~1.3 KB of JSON and evaluated its
/// expression indexes through a SQL function on every activity; this shape took the single POST from 0.87x to 1.08x of the
/// bare baseline (docs/benchmarks.md, "#16: the ninth session"). <see cref="CustomerSummaries"/> reads it;
/// <see cref="CustomerEventWriter"/> alone writes it.
/// </summary>
internal static class CustomerSummaryTable
{
    public const string Name = MartenSetup.SchemaName + ".customer_summary";

    /// <summary>The typed columns, each with the domain member it holds (the member names are what conditions are translated from).</summary>
    public static readonly IReadOnlyDictionary<string, string> ColumnOf = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [nameof(Customer.Status)] = "status",
        [nameof(Customer.StatusChangedAt)] = "status_changed_at",
        [nameof(Customer.FirstSeenAt)] = "first_seen_at",
        [nameof(Customer.LastActivityAt)] = "last_activity_at",
        [nameof(Customer.LastPurchaseAt)] = "last_purchase_at",
        [nameof(Customer.FirstPurchaseAt)] = "first_purchase_at",
        [nameof(Customer.OrderCount)] = "order_count",
        [nameof(Customer.Birthday)] = "birthday",
        [nameof(Customer.StripeCustomerId)] = "stripe_customer_id",
    };

    public static Table Table()
    {
        var table = new Table(Name);
        table.AddColumn<string>("tenant_id").AsPrimaryKey();
        table.AddColumn<string>("id").AsPrimaryKey();
        table.AddColumn("data", "text").NotNull();
        // A new value on every write, as Marten's mt_version: a tenant's move copies only the rows changed since its last pass.
        table.AddColumn<Guid>("mt_version").NotNull();
        table.AddColumn<string>("status").NotNull();
        table.AddColumn<DateTimeOffset>("status_changed_at");
        table.AddColumn<DateTimeOffset>("first_seen_at").NotNull();
        table.AddColumn<DateTimeOffset>("last_activity_at").NotNull();
        // The UTC day of the last activity, which the index holds instead of the instant: a customer's writes within a day then
        // change no indexed column, so PostgreSQL updates the row in place (HOT) without new index entries or their vacuum.
        table.AddColumn("last_activity_day", "date").NotNull();
        table.AddColumn<DateTimeOffset>("last_purchase_at");
        table.AddColumn<DateTimeOffset>("first_purchase_at");
        table.AddColumn<int>("order_count").NotNull();
        table.AddColumn<string>("birthday");
        table.AddColumn<string>("stripe_customer_id");
        // The profile's attributes alone as jsonb, for the list's containment filter: small to parse on a write, and a filter over
        // a large tenant never parses whole summaries.
        table.AddColumn("attributes", "jsonb").NotNull();
        // Room on every page for a row's next version, so that its first updates are HOT too (not only after pruning).
        table.StorageParameters[StorageParameterNames.FillFactor] = 80;
        // One index for the lapse sweep and the list filters; every extra index would be written on each activity. A bound on the
        // last activity is given on both columns (ActivityBound): the day for the index, the instant for the exact answer.
        table.Indexes.Add(new IndexDefinition("ix_customer_summary_status") { Columns = ["tenant_id", "status", "last_activity_day"] });
        // Stripe's events name the customer by their Stripe id. Partial: customers without one add nothing to it on a write.
        table.Indexes.Add(new IndexDefinition("ix_customer_summary_stripe")
        {
            Columns = ["tenant_id", "stripe_customer_id"], Predicate = "stripe_customer_id is not null",
        });
        return table;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<CustomerStatus, string> StatusTexts = new();

    /// <summary>The status as the column holds it: the JSON string the summary's serializer writes for it (the same in every store).</summary>
    public static string StatusText(IDocumentStore store, CustomerStatus status) =>
        StatusTexts.GetOrAdd(status, s => store.Options.Serializer().ToJson(s).Trim('"'));

    public static CustomerSummary Read(IDocumentStore store, string json) =>
        store.Options.Serializer().FromJson<CustomerSummary>(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    public static List<CustomerSummary> ReadAll(IDocumentStore store, IEnumerable<string> json) => json.Select(j => Read(store, j)).ToList();

    /// <summary>The start of a read of summaries' JSON (for <see cref="Read(IDocumentStore, string)"/>): the tenant's placeholder follows.</summary>
    public const string SelectData = $"select data from {Name} where tenant_id = ";

    /// <summary>The read of a tenant's summaries by id (<c>?</c>: the tenant, then the ids), on a session or in a batch.</summary>
    public const string SelectByIds = $"{SelectData}? and id = any(?)";

    /// <summary>Queues the read of those of <paramref name="customerIds"/> that exist on a batch, for the round trip it makes anyway.</summary>
    public static async Task<IReadOnlyList<CustomerSummary>> QueueRead(IBatchedQuery batch, IQuerySession session, string[] customerIds) =>
        ReadAll(session.DocumentStore, await batch.Query<string>(SelectByIds, session.TenantId, customerIds));

    /// <summary>The tenant's summaries among <paramref name="customerIds"/> that exist, for a <see cref="ReadBatch"/> (read each row's with <see cref="Read(IDocumentStore, NpgsqlDataReader)"/>).</summary>
    public static NpgsqlBatchCommand SelectByIdsStatement(string tenantId, string[] customerIds) =>
        Sql.Statement('?', SelectByIds, tenantId, customerIds);

    /// <summary>The summary in the current row of a <see cref="SelectByIdsStatement"/>.</summary>
    public static CustomerSummary Read(IDocumentStore store, NpgsqlDataReader reader) => Read(store, reader.GetString(0));

    /// <summary>The upsert of <paramref name="summaries"/> (in the tenant) as one statement of the tenant's transaction (null: none).</summary>
    public static NpgsqlBatchCommand? UpsertStatement(IDocumentStore store, string tenantId, IReadOnlyList<CustomerSummary> summaries)
    {
        if (summaries.Count == 0)
            return null;
        var serializer = store.Options.Serializer();
        var states = summaries.Select(s => s.State).ToArray();
        // The attributes' keys are written exactly as given (no naming policy), as the list's filter writes them.
        return Sql.Statement('^', Upsert, tenantId, summaries.Select(s => s.Id).ToArray(),
            summaries.Select(s => serializer.ToJson(s)).ToArray(), Uuids.Version7(summaries.Count),
            states.Select(c => StatusText(store, c.Status)).ToArray(), Times(states, c => c.StatusChangedAt),
            Times(states, c => c.FirstSeenAt), Times(states, c => c.LastActivityAt), states.Select(c => Day(c.LastActivityAt)).ToArray(),
            Times(states, c => c.LastPurchaseAt),
            Times(states, c => c.FirstPurchaseAt), states.Select(c => c.OrderCount).ToArray(), states.Select(c => c.Birthday).ToArray(),
            states.Select(c => c.StripeCustomerId).ToArray(), states.Select(c => System.Text.Json.JsonSerializer.Serialize(c.Attributes)).ToArray());
    }

    /// <summary>
    /// A bound on the last activity as SQL (<paramref name="op"/> one of &lt; &lt;= &gt; &gt;=, the value at <c>^</c>, added to
    /// <paramref name="parameters"/>): on the indexed day, which alone the index can range over, and on the exact instant.
    /// </summary>
    public static string ActivityBound(string op, DateTimeOffset at, List<object> parameters)
    {
        parameters.Add(Day(at));
        parameters.Add(at.ToUniversalTime());
        return $"(last_activity_day {op.TrimEnd('=')}= ^ and last_activity_at {op} ^)";
    }

    private static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    // PostgreSQL's timestamptz takes a DateTimeOffset only at offset 0.
    private static DateTimeOffset?[] Times(Customer[] states, Func<Customer, DateTimeOffset?> of) =>
        states.Select(c => of(c)?.ToUniversalTime()).ToArray();

    private const string ColumnsExceptAttributes =
        "id, data, mt_version, status, status_changed_at, first_seen_at, last_activity_at, last_activity_day, last_purchase_at, first_purchase_at, order_count, birthday, stripe_customer_id";

    private const string Columns = ColumnsExceptAttributes + ", attributes";

    // The attributes travel as text and are cast row by row: a cast of the whole text[] to jsonb[] kept every element's parse
    // buffers until the statement's end (megabytes a group), memory PostgreSQL took fresh from the kernel on every group, and
    // half of its page faults under the batch load (docs/benchmarks.md, "#16: the tenth session").
    private static readonly string Upsert = $"""
        insert into {Name} as d (tenant_id, {Columns})
        select ^, {ColumnsExceptAttributes}, u.attributes::jsonb
        from unnest(^::text[], ^::text[], ^::uuid[], ^::text[], ^::timestamptz[], ^::timestamptz[], ^::timestamptz[],
            ^::date[], ^::timestamptz[], ^::timestamptz[], ^::int[], ^::text[], ^::text[], ^::text[]) as u({Columns})
        on conflict (tenant_id, id) do update set data = excluded.data, mt_version = excluded.mt_version, status = excluded.status,
          status_changed_at = excluded.status_changed_at, first_seen_at = excluded.first_seen_at, last_activity_at = excluded.last_activity_at,
          last_activity_day = excluded.last_activity_day,
          last_purchase_at = excluded.last_purchase_at, first_purchase_at = excluded.first_purchase_at, order_count = excluded.order_count,
          birthday = excluded.birthday, stripe_customer_id = excluded.stripe_customer_id, attributes = excluded.attributes
        """;

    /// <summary>
    /// On a shard a version before this table wrote: the summaries of Marten's document table copied here (their columns taken
    /// from the JSON as the writer would write them), then that table dropped, in one transaction that waits for any other
    /// process doing the same. A crash before the commit leaves the shard as it was, and the next start tries again.
    /// </summary>
    public static async Task UpgradeFromDocumentsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        const string documents = MartenSetup.SchemaName + ".mt_doc_customersummary";
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await TransactionLocks.TakeAsync(connection, [LockKeys.ShardUpgrade], ct);
        if (!await Sql.TableExistsAsync(connection, documents, ct))
            return;
        await using (var copy = Sql.Command(connection, $"""
            insert into {Name} as d (tenant_id, {Columns})
            select tenant_id, id, data::text, gen_random_uuid(), s ->> 'status', (s ->> 'statusChangedAt')::timestamptz,
                   (s ->> 'firstSeenAt')::timestamptz, (s ->> 'lastActivityAt')::timestamptz,
                   ((s ->> 'lastActivityAt')::timestamptz at time zone 'UTC')::date, (s ->> 'lastPurchaseAt')::timestamptz,
                   (s ->> 'firstPurchaseAt')::timestamptz,
                   coalesce((s ->> 'recordedOrderCount')::int, 0) + coalesce((s -> 'imported' ->> 'orderCount')::int, 0),
                   s ->> 'birthday', s ->> 'stripeCustomerId', coalesce(s -> 'attributes', jsonb_build_object())
            from (select tenant_id, id, data, data -> 'state' as s from {documents}) old
            on conflict (tenant_id, id) do nothing;
            drop table {documents};
            """))
        {
            copy.CommandTimeout = 0;
            await copy.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }
}
