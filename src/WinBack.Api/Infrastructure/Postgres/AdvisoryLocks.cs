using Marten;
using Marten.Storage;
using Npgsql;

namespace WinBack.Api.Infrastructure.Postgres;

/// <summary>
/// Every PostgreSQL advisory-lock key WinBack takes, in one list, so that no two uses can share one by accident. A key is
/// text; the lock's 64-bit id is <c>hashtextextended(key, 0)</c>. (Marten's async daemon takes one lock of its own for
/// HotCold leadership, by the number Marten sets.)
/// </summary>
public static class LockKeys
{
    /// <summary>A background loop's lease: one worker process leads each loop (session lock, tried).</summary>
    public static string Loop(string name) => $"winback-loop/{name}";

    /// <summary>A tenant's lapse sweep: sweeps of one tenant take turns, as a rule's budget is metered for one sweep (session lock, waited for).</summary>
    public static string Sweep(string tenantId) => $"sweep/{tenantId}";

    /// <summary>A test tenant's clock: advances of one tenant take turns (session lock, waited for).</summary>
    public static string Clock(string tenantId) => $"clock/{tenantId}";

    /// <summary>A tenant's rules while one is written, so that the overlap check sees every active rule (transaction lock).</summary>
    public static string Rules(string tenantId) => $"rules/{tenantId}";

    /// <summary>Placing a new tenant on a shard, so that two creations count each other's tenants (transaction lock, on the master).</summary>
    public const string Placement = "tenant-placement";

    /// <summary>A tenant's API keys while one is minted, so that concurrent requests cannot pass the cap together (transaction lock).</summary>
    public static string ApiKeys(string tenantId) => $"api-keys/{tenantId}";

    /// <summary>A tenant's report rollups while they are refreshed (transaction lock).</summary>
    public static string Reports(string tenantId) => $"reports/{tenantId}";

    /// <summary>A shard's data upgraded in place at start, so that processes starting together take turns (transaction lock).</summary>
    public const string ShardUpgrade = "shard-upgrade";

    /// <summary>One customer's stream while a write decides on it and appends to it (transaction lock).</summary>
    public static string Customer(string tenantId, string customerId) => $"{tenantId}/{customerId}";
}

/// <summary>Transaction-scoped advisory locks: taken inside the caller's transaction, released when it ends.</summary>
public static class TransactionLocks
{
    /// <summary>Takes the locks in the order given (callers give them sorted, so that two writers never wait on each other in a circle).</summary>
    public static Task TakeAsync(IQuerySession session, IReadOnlyList<string> keys, CancellationToken ct) =>
        session.QueryAsync<long>("select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest(?) as k", ct,
            (object)keys.ToArray()); // one argument, not spread over the params array

    /// <summary>
    /// The locks as the first statement of a <see cref="Marten.ReadBatch"/>, so that they and the reads after them go in one round trip;
    /// each statement of a batch runs after the one before it, so the reads see what the previous holder committed.
    /// </summary>
    public static NpgsqlBatchCommand Statement(IReadOnlyList<string> keys) =>
        Sql.Statement('^', "select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest(^::text[]) as k", (object)keys.ToArray());

    /// <inheritdoc cref="TakeAsync(IQuerySession, IReadOnlyList{string}, CancellationToken)"/>
    public static async Task TakeAsync(NpgsqlConnection connection, IReadOnlyList<string> keys, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, "select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest(@keys) as k",
            ("keys", keys.ToArray()));
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>
/// A session-level advisory lock on a connection of its own, held until disposed: a background loop's lease (tried without
/// waiting), or a run that takes turns with others of its key (waited for). A holder that dies takes the lock with it: a
/// killed process's socket closes at once, and a host that vanishes without closing it is found dead by PostgreSQL's TCP
/// keepalives, set short on the lock's session (about 10 + 3 × 3 s, instead of the OS default of hours).
/// </summary>
public sealed class SessionLock : IAsyncDisposable
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);
    private readonly NpgsqlConnection _connection;

    private SessionLock(NpgsqlConnection connection) => _connection = connection;

    /// <summary>The lock, or null when another session holds it.</summary>
    public static Task<SessionLock?> TryAcquireAsync(Func<NpgsqlConnection> connect, string key, CancellationToken ct) => AcquireAsync(connect, key, wait: false, ct);

    /// <summary>Waits until the lock is free, then holds it.</summary>
    public static async Task<SessionLock> AcquireAsync(Func<NpgsqlConnection> connect, string key, CancellationToken ct) =>
        (await AcquireAsync(connect, key, wait: true, ct))!;

    // The lock lives in the database it is taken on: a tenant's lock in the tenant's database, a loop lease in the platform's.
    private static async Task<SessionLock?> AcquireAsync(Func<NpgsqlConnection> connect, string key, bool wait, CancellationToken ct)
    {
        var connection = connect();
        try
        {
            await connection.OpenAsync(ct);
            await using var command = Sql.Command(connection, $"""
                set tcp_keepalives_idle = 10; set tcp_keepalives_interval = 3; set tcp_keepalives_count = 3;
                select {(wait ? "pg_advisory_lock" : "pg_try_advisory_lock")}(hashtextextended(@key, 0))
                """, ("key", key));
            if (await command.ExecuteScalarAsync(ct) is true || wait)
                return new SessionLock(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    /// <summary>False when the lock's connection no longer answers (and PostgreSQL has released, or will release, the lock).</summary>
    public async Task<bool> StillHeldAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(CheckTimeout);
            await using var command = new NpgsqlCommand("select 1", _connection);
            await command.ExecuteScalarAsync(timeout.Token);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or InvalidOperationException or TimeoutException)
        {
            return false;
        }
    }

    // A pooled connection outlives its session's use, and a session-level lock outlives the transaction: unlock explicitly.
    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var unlock = new NpgsqlCommand("select pg_advisory_unlock_all()", _connection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Most likely the connection is gone, and the lock with its session; in case it is not, it must not go back to the pool.
            NpgsqlConnection.ClearPool(_connection);
        }
        await _connection.DisposeAsync();
    }
}
