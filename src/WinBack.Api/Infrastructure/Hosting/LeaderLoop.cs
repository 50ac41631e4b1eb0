using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>
/// A background loop that many worker processes run and one of them leads at a time: the holder of a session-level
/// PostgreSQL advisory lock named after the loop, on a connection of its own (a lease held by a live connection).
/// What stops two workers doing it at once: the lock. What happens to half-done work when the leader is killed: its
/// session ends, the lock with it; every loop commits its units in their own transactions, so the next leader redoes at
/// most the unit that was cut off. How long until another takes over: a killed process's socket closes at once and the
/// others try every <see cref="WorkerOptions.TakeoverPoll"/> (5 s); a host that vanishes without closing its socket is
/// noticed by PostgreSQL's TCP keepalives, set short on the lease's session (about 20 s). A leader checks its lease on
/// the same poll and stops its loop (cancelling the pass) as soon as the connection is gone, so that a leader cut off from
/// the database stops before another can start.
/// </summary>
public abstract class LeaderLoop(LoopLeases leases, ILogger logger) : BackgroundService
{
    /// <summary>The loop's name: its advisory lock's key, and what logs and the status endpoint call it.</summary>
    protected abstract string LoopName { get; }

    /// <summary>The loop's name, for the worker's heartbeat.</summary>
    public string Name => LoopName;

    /// <summary>The loop itself, run while this process leads it; <paramref name="leading"/> ends when it stops leading.</summary>
    protected abstract Task RunAsLeaderAsync(CancellationToken leading);

    /// <summary>Whether this process leads the loop now.</summary>
    public bool IsLeading { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = leases.Poll;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var lease = await leases.TryAcquireAsync(LoopName, stoppingToken);
                if (lease is not null)
                    await LeadAsync(lease, poll, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database is away, or the loop failed outside its own isolation: wait, then try to lead again.
                logger.LogWarning(LoopFailures.WorthAStack(e), "The {Loop} loop stopped leading ({Error}); it tries again", LoopName, e.Message);
            }
            try { await Task.Delay(poll, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task LeadAsync(LoopLease lease, TimeSpan poll, CancellationToken stoppingToken)
    {
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var watch = WatchAsync(lease, poll, leading);
        IsLeading = true;
        logger.LogInformation("This process now leads the {Loop} loop", LoopName);
        try
        {
            await RunAsLeaderAsync(leading.Token);
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning("The {Loop} loop lost its lease (the database connection is gone) and stopped", LoopName);
        }
        finally
        {
            IsLeading = false;
            await leading.CancelAsync();
            await watch;
        }
    }

    // Cancels the loop as soon as the lease's connection stops answering.
    private static async Task WatchAsync(LoopLease lease, TimeSpan poll, CancellationTokenSource leading)
    {
        while (!leading.IsCancellationRequested)
        {
            try { await Task.Delay(poll, leading.Token); }
            catch (OperationCanceledException) { return; }
            if (!await lease.StillHeldAsync())
            {
                await leading.CancelAsync();
                return;
            }
        }
    }
}

/// <summary>Where the loops' leases come from: the store's database, and how often they are tried and checked.</summary>
public sealed class LoopLeases(IDocumentStore store, IOptions<WinBackOptions> options)
{
    public TimeSpan Poll => options.Value.Workers.TakeoverPoll;

    public Task<LoopLease?> TryAcquireAsync(string name, CancellationToken ct) => LoopLease.TryAcquireAsync(store, name, ct);
}

/// <summary>A session-level advisory lock on a connection of its own, tried without waiting.</summary>
public sealed class LoopLease : IAsyncDisposable
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);
    private readonly NpgsqlConnection _connection;

    private LoopLease(NpgsqlConnection connection) => _connection = connection;

    /// <summary>The lease, or null when another session holds it.</summary>
    public static async Task<LoopLease?> TryAcquireAsync(IDocumentStore store, string name, CancellationToken ct)
    {
        var connection = store.Storage.Database.CreateConnection();
        try
        {
            await connection.OpenAsync(ct);
            // A holder whose host vanished is found dead after about 10 + 3 × 3 s, instead of the OS default of hours.
            await using var command = new NpgsqlCommand("""
                set tcp_keepalives_idle = 10; set tcp_keepalives_interval = 3; set tcp_keepalives_count = 3;
                select pg_try_advisory_lock(hashtextextended('winback-loop/' || @name, 0))
                """, connection);
            command.Parameters.AddWithValue("name", name);
            if (await command.ExecuteScalarAsync(ct) is true)
                return new LoopLease(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    /// <summary>False when the lease's connection no longer answers (and PostgreSQL has released, or will release, the lock).</summary>
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

    // Closing the connection ends the session and releases the lock; a pooled connection would keep it, so it is not pooled back.
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
