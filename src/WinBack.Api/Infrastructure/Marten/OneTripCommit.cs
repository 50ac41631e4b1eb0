using System.Data;
using Marten;
using Npgsql;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Infrastructure.Marten;

/// <summary>
/// A tenant's Marten session on a transaction of its own, whose COMMIT travels with its writes: <see cref="RunAsync"/> sends
/// the session's statements and the COMMIT in one round trip, where Marten's SaveChanges waits for the statements' answers
/// and then sends the COMMIT in a second one. On a busy machine each round trip waits for a core on both ends, and the
/// group commit pays every one of them before it acknowledges its writes (docs/benchmarks.md, "#16: the twelfth session").
/// <para>
/// The COMMIT is the batch's last statement, after the tenant's fence guard (<see cref="Sharding.TenantFenceListener"/>, a
/// store listener, which Marten runs before a session's own). A statement that fails makes PostgreSQL skip the rest of the
/// batch, the COMMIT with it, and the transaction rolls back when this is disposed. That is safe only while every write of
/// the session can fail only by an error in PostgreSQL: Marten checks some writes of its own (a stream's version in its rich
/// append) by reading their results after the batch, too late to hold back a COMMIT sent with it. A session with streams that
/// Marten appends therefore commits after the answers, in a round trip of its own, as Marten would.
/// </para>
/// </summary>
public sealed class OneTripCommit : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly CommitLast _commitLast;

    private OneTripCommit(NpgsqlConnection connection, NpgsqlTransaction transaction, IDocumentSession session, CommitLast commitLast) =>
        (_connection, _transaction, Session, _commitLast) = (connection, transaction, session, commitLast);

    /// <summary>The session: reads and queued writes go through it, inside the transaction.</summary>
    public IDocumentSession Session { get; }

    /// <summary>Whether the COMMIT went with the writes (false: in a round trip of its own, or not sent yet).</summary>
    public bool CommittedWithWrites => _commitLast.Queued;

    /// <summary>
    /// Runs <paramref name="work"/> (reads through <see cref="Session"/>, writes queued on it) in a transaction on the tenant's
    /// database and commits; returns once the transaction has committed.
    /// </summary>
    public static async Task<T> RunAsync<T>(IDocumentStore store, string tenantId, Func<OneTripCommit, Task<T>> work, CancellationToken ct)
    {
        await using var transaction = await BeginAsync(store, tenantId, ct);
        try
        {
            var result = await work(transaction);
            await transaction.CommitAsync(ct);
            return result;
        }
        // A connection that broke under the transaction (PostgreSQL restarted, the network failed) is retried by Marten's
        // resilience pipeline on the same, broken, connection, which fails with "Transaction is already completed": that says
        // nothing of the cause, and would be answered as an internal error instead of a 503 to retry.
        catch (Exception e) when (transaction._connection.FullState.HasFlag(ConnectionState.Broken) && !ProblemMapping.IsDatabaseUnavailable(e))
        {
            throw new BrokenConnectionException(e);
        }
    }

    private static async Task<OneTripCommit> BeginAsync(IDocumentStore store, string tenantId, CancellationToken ct)
    {
        var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        try
        {
            var transaction = await connection.BeginTransactionAsync(ct); // sent with the first statement
            var options = global::Marten.Services.SessionOptions.ForTransaction(transaction);
            options.TenantId = tenantId;
            var commitLast = new CommitLast();
            options.Listeners.Add(commitLast);
            return new OneTripCommit(connection, transaction, store.LightweightSession(options), commitLast);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task CommitAsync(CancellationToken ct)
    {
        _commitLast.Wanted = !Session.PendingChanges.Streams().Any();
        await Session.SaveChangesAsync(ct);
        // Not queued: Marten appends a stream, or there was nothing to save (Marten then calls no listener).
        if (!_commitLast.Queued)
            await _transaction.CommitAsync(ct);
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await Session.DisposeAsync();
        await _transaction.DisposeAsync(); // rolls back unless committed
        await _connection.DisposeAsync();
    }

    /// <summary>Queues the COMMIT as the batch's last statement: a session listener runs after the store's (the fence guard).</summary>
    private sealed class CommitLast : DocumentSessionListenerBase
    {
        public bool Wanted { get; set; }
        public bool Queued { get; private set; }

        public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
        {
            if (Wanted)
            {
                session.QueueSqlCommand("commit");
                Queued = true;
            }
            return Task.CompletedTask;
        }
    }
}

/// <summary>
/// The connection broke under a transaction: the database is unavailable for a moment (transient, answered 503). The transaction
/// did not commit, unless its COMMIT had already gone: as with any commit whose answer was lost, a retry with the same
/// Idempotency-Key or externalId is the way to know.
/// </summary>
public sealed class BrokenConnectionException(Exception failure)
    : NpgsqlException("The connection to PostgreSQL broke during the transaction.", failure)
{
    public override bool IsTransient => true;
}
