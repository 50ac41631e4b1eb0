using System.Data;
using Marten;
using Npgsql;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Infrastructure.Marten;

/// <summary>
/// A tenant's write transaction on plain Npgsql whose COMMIT travels with its writes: <see cref="ReadAsync"/> sends a batch of
/// reads in one round trip, <see cref="Queue"/> collects the writes, and <see cref="RunAsync"/> sends them, the tenant's fence
/// guard and the COMMIT in one more. Marten's session would spend a round trip on its writes and another on the COMMIT, and
/// its unit of work, batch query and resilience pipeline cost the API a group's fixed share of CPU (docs/benchmarks.md, "#16:
/// the twelfth session" and "the fourteenth session"); on a busy machine each round trip waits for a core on both ends, and
/// the group commit pays every one of them before it acknowledges its writes.
/// <para>
/// The COMMIT is the batch's last statement, after the fence guard (<see cref="Sharding.TenantFence"/>). A statement that fails
/// makes PostgreSQL skip the rest of the batch, the COMMIT with it, and the transaction rolls back when this is disposed. What
/// only Marten can write (a stream whose events an inline projection handles) goes through <see cref="Session"/>, a Marten
/// session on the same transaction: Marten checks some of those writes (a stream's version in its rich append) by reading their
/// results after its batch, too late to hold back a COMMIT sent with it, so such a transaction sends the queued writes, then
/// lets Marten save, then commits in a round trip of its own.
/// </para>
/// </summary>
public sealed class OneTripCommit : IAsyncDisposable
{
    private readonly IDocumentStore _store;
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly List<NpgsqlBatchCommand> _writes = [];
    private IDocumentSession? _session;

    private OneTripCommit(IDocumentStore store, string tenantId, NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        (_store, TenantId, _connection, _transaction) = (store, tenantId, connection, transaction);

    public string TenantId { get; }

    /// <summary>Whether the COMMIT went with the writes (false: in a round trip of its own, or not sent yet).</summary>
    public bool CommittedWithWrites { get; private set; }

    /// <summary>
    /// A Marten session on this transaction, for the writes only Marten can make (a stream an inline projection handles); opened
    /// when first asked for. Its writes are saved after the queued ones, and the COMMIT then waits for Marten's checks.
    /// </summary>
    public IDocumentSession Session => _session ??= OpenSession();

    /// <summary>Runs <paramref name="reads"/> in one round trip, inside the transaction.</summary>
    public Task ReadAsync(ReadBatch reads, CancellationToken ct) => reads.ExecuteAsync(_connection, _transaction, ct);

    /// <summary>Queues a write (null: nothing to write): it goes with the others, the guard and the COMMIT when the work is done.</summary>
    public void Queue(NpgsqlBatchCommand? write)
    {
        if (write is not null)
            _writes.Add(write);
    }

    /// <summary>
    /// Runs <paramref name="work"/> (reads, queued writes) in a transaction on the tenant's database and commits; returns once
    /// the transaction has committed.
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
        // A connection that broke under the transaction (PostgreSQL restarted, the network failed) says so in an error that
        // names neither a restart nor a timeout ("Transaction is already completed", when Marten's resilience pipeline retried
        // on it): it is reported as the database unavailable, a 503 to retry, not as an internal error.
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
            return new OneTripCommit(store, tenantId, connection, await connection.BeginTransactionAsync(ct)); // BEGIN goes with the first statement
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private IDocumentSession OpenSession()
    {
        var options = global::Marten.Services.SessionOptions.ForTransaction(_transaction);
        options.TenantId = TenantId;
        return _store.LightweightSession(options);
    }

    private async Task CommitAsync(CancellationToken ct)
    {
        var martenWrites = _session is { } session && (session.PendingChanges.Streams().Any() || session.PendingChanges.Operations().Any());
        await using (var batch = new NpgsqlBatch(_connection, _transaction))
        {
            if (_writes.Count > 0)
                batch.BatchCommands.Add(Sql.Statement('^', $"select {TenantFence.GuardFunction}(^)", TenantId));
            foreach (var write in _writes)
                batch.BatchCommands.Add(write);
            if (!martenWrites)
                batch.BatchCommands.Add(new NpgsqlBatchCommand("commit"));
            if (batch.BatchCommands.Count > 0)
                await batch.ExecuteNonQueryAsync(ct);
        }
        if (!martenWrites)
        {
            CommittedWithWrites = _writes.Count > 0;
            return;
        }
        await _session!.SaveChangesAsync(ct); // Marten's store listener adds the fence guard to its own batch too
        await _transaction.CommitAsync(ct);
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        if (_session is not null)
            await _session.DisposeAsync();
        await _transaction.DisposeAsync(); // rolls back unless committed
        await _connection.DisposeAsync();
    }
}

/// <summary>
/// Reads that go to PostgreSQL in one round trip, inside a transaction (<see cref="OneTripCommit.ReadAsync"/>): each
/// statement runs after the one before it has finished, so a read after a lock sees what the lock's previous holder committed.
/// The lists <see cref="Rows{T}"/> returns are filled when the batch has run, not before.
/// </summary>
public sealed class ReadBatch
{
    private readonly List<(NpgsqlBatchCommand Statement, Action<NpgsqlDataReader> Row)> _reads = [];

    /// <summary>A statement whose rows are not read (a lock).</summary>
    public void Run(NpgsqlBatchCommand statement) => _reads.Add((statement, _ => { }));

    /// <summary>The rows of <paramref name="statement"/>, each read by <paramref name="row"/>: empty until the batch has run.</summary>
    public IReadOnlyList<T> Rows<T>(NpgsqlBatchCommand statement, Func<NpgsqlDataReader, T> row)
    {
        var rows = new List<T>();
        _reads.Add((statement, reader => rows.Add(row(reader))));
        return rows;
    }

    internal async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        if (_reads.Count == 0)
            return;
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var (statement, _) in _reads)
            batch.BatchCommands.Add(statement);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        foreach (var (_, row) in _reads)
        {
            while (await reader.ReadAsync(ct))
                row(reader);
            await reader.NextResultAsync(ct);
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
