using System.Data.Common;
using Marten;
using Marten.Storage;
using Npgsql;
using Weasel.Core.Migrations;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Infrastructure.Postgres;

/// <summary>
/// Plain SQL against the store's database, for the tables kept outside Marten's documents (reports, webhooks, Stripe): named
/// parameters, columns read by name and type, and Marten's table names taken from Marten's mapping. (Statements that must
/// commit with a Marten session or subscription page are queued on it instead: <c>QueueSqlCommand</c>, with <c>?</c> parameters.)
/// </summary>
public static class Sql
{
    // The ways to a connection. Each says which database the data lives in, so that when tenants are spread over several
    // databases (#24) every call already goes to the right one; with one database all three reach the same place.

    /// <summary>
    /// The tenant's own database, as Marten's tenancy resolves it: for a statement that serves one tenant (its request,
    /// its unit of background work). Every statement on it is still filtered by the tenant.
    /// </summary>
    public static async Task<NpgsqlConnection> OpenForTenantAsync(IDocumentStore store, string tenantId, CancellationToken ct) =>
        await OpenDatabaseAsync(await TenantDatabaseAsync(store, tenantId), ct);

    /// <summary>The tenant's own database (see <see cref="OpenForTenantAsync"/>).</summary>
    public static async Task<IMartenDatabase> TenantDatabaseAsync(IDocumentStore store, string tenantId) =>
        (await store.Options.Tenancy.GetTenantAsync(tenantId)).Database;

    /// <summary>Unopened connections to the tenant's own database, for what holds one of its own (a <see cref="SessionLock"/>).</summary>
    public static async Task<Func<NpgsqlConnection>> TenantConnectorAsync(IDocumentStore store, string tenantId)
    {
        var database = await TenantDatabaseAsync(store, tenantId);
        return () => database.CreateConnection();
    }

    /// <summary>
    /// The master database, for data that belongs to no tenant: tenants, API keys, worker nodes, loop leases and the key ring
    /// (<see cref="ShardLayout"/>). With no shards configured it is also the only shard.
    /// </summary>
    public static Task<NpgsqlConnection> OpenPlatformAsync(PlatformDatabase platform, CancellationToken ct) => OpenAsync(platform.CreateConnection(), ct);

    /// <summary>
    /// Every shard, for a background scan over all tenants: it runs once per shard, never by one query across them.
    /// </summary>
    public static async Task<IReadOnlyList<IMartenDatabase>> EachDatabaseAsync(ShardDatabases shards, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return (await shards.AllAsync()).Select(shard => shard.Database).ToList();
    }

    /// <summary>A connection to one database of <see cref="EachDatabaseAsync"/> (or of the other two ways).</summary>
    public static Task<NpgsqlConnection> OpenDatabaseAsync(IMartenDatabase database, CancellationToken ct) => OpenAsync(database.CreateConnection(), ct);

    private static async Task<NpgsqlConnection> OpenAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A command with named parameters (<c>@name</c>); a null value is sent as SQL null. Text PostgreSQL cannot store
    /// is refused here, before anything is sent (<see cref="UnstorableTextException"/> says why).
    /// </summary>
    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
            RequireStorable(name, value);
        var command = new NpgsqlCommand(sql, connection);
        // Npgsql writes a timestamptz only from a UTC offset; the same instant at another offset (a caller's asOf) is not an error.
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value is DateTimeOffset instant ? instant.ToUniversalTime() : value ?? DBNull.Value);
        return command;
    }

    /// <summary>
    /// A statement for a batch (<see cref="Marten.ReadBatch"/>, <see cref="Marten.OneTripCommit"/>), its values marked by
    /// <paramref name="placeholder"/> in order: positional, as Marten's own statements, which PostgreSQL plans once per
    /// connection (auto-prepared). Text PostgreSQL cannot store is refused here, as by <see cref="Command"/>.
    /// </summary>
    public static NpgsqlBatchCommand Statement(char placeholder, string sql, params object?[] values)
    {
        var text = new System.Text.StringBuilder(sql.Length + 2 * values.Length);
        var count = 0;
        foreach (var c in sql)
        {
            if (c == placeholder)
                text.Append('$').Append(++count);
            else
                text.Append(c);
        }
        if (count != values.Length)
            throw new ArgumentException($"The statement has {count} placeholders for {values.Length} values.", nameof(values));
        var statement = new NpgsqlBatchCommand(text.ToString());
        for (var i = 0; i < values.Length; i++)
        {
            RequireStorable($"${i + 1}", values[i]);
            statement.Parameters.Add(new NpgsqlParameter { Value = values[i] ?? DBNull.Value });
        }
        return statement;
    }

    private static void RequireStorable(string name, object? value)
    {
        if (value is string text)
            StorableText.Require(text, $"SQL parameter @{name}");
        else if (value is IEnumerable<string?> texts)
            foreach (var item in texts)
                StorableText.Require(item, $"SQL parameter @{name}");
    }

    /// <summary>
    /// Runs a write again when PostgreSQL chose it as a deadlock victim (40P01) or could not serialize it (40001): both
    /// mean "try again", and the caller should never see them. Up to 5 tries, a few random milliseconds apart.
    /// </summary>
    public static async Task<T> RetryOnConflictAsync<T>(Func<Task<T>> write, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await write();
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < 5)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), ct);
            }
        }
    }

    /// <summary>Whether a table exists (schema-qualified name), for upgrades of data a former version stored otherwise.</summary>
    public static async Task<bool> TableExistsAsync(NpgsqlConnection connection, string table, CancellationToken ct)
    {
        await using var command = Command(connection, "select to_regclass(@table) is not null", ("table", table));
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>A named column of the current row, as <typeparamref name="T"/>.</summary>
    public static T Get<T>(this DbDataReader reader, string column) => reader.GetFieldValue<T>(reader.GetOrdinal(column));

    /// <summary>A named column that may be SQL null, as a .NET null.</summary>
    public static string? StringOrNull(this DbDataReader reader, string column) =>
        reader.GetOrdinal(column) is var ordinal && reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <inheritdoc cref="StringOrNull"/>
    public static T? ValueOrNull<T>(this DbDataReader reader, string column) where T : struct =>
        reader.GetOrdinal(column) is var ordinal && reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    /// <summary>A document type's table, as Marten maps it (schema-qualified).</summary>
    public static string TableOf<T>(IDocumentStore store) => store.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;

    /// <summary>The names under which Marten stores these event types (<c>mt_events.type</c>), for SQL that filters on them.</summary>
    public static string[] EventTypeNames(IDocumentStore store, params Type[] eventTypes) =>
        eventTypes.Select(t => ((global::Marten.Events.EventGraph)store.Options.Events).EventMappingFor(t).EventTypeName).ToArray();

    /// <summary>The event store's table of events, as Marten names it.</summary>
    public static string EventsTable(IDocumentStore store) => EventStoreObject(store, "EventsTable");

    /// <summary>The event store's table of streams (one row per stream: its version, type and archive flag), as Marten names it.</summary>
    public static string StreamsTable(IDocumentStore store) => EventStoreObject(store, "StreamsTable");

    /// <summary>The sequence the event store numbers events from (seq_id), as Marten names it; not used with tenant-partitioned events.</summary>
    public static string EventSequence(IDocumentStore store) =>
        ((IFeatureSchema)store.Options.Events).Objects.OfType<Weasel.Postgresql.Sequence>().First().Identifier.QualifiedName;

    /// <summary>The event store's table of projection and subscription progress (and the high-water mark), as Marten names it.</summary>
    public static string EventProgressionTable(IDocumentStore store) => EventStoreObject(store, "EventProgressionTable");

    // Marten's own schema objects for the event store; their classes are internal, so they are told apart by name.
    private static string EventStoreObject(IDocumentStore store, string kind) =>
        ((IFeatureSchema)store.Options.Events).Objects.Single(o => o.GetType().Name == kind).Identifier.QualifiedName;
}
