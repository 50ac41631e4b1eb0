using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>
/// A background loop that many worker processes run and, on each shard, one of them leads at a time: the holder of a
/// session-level PostgreSQL advisory lock named after the loop, taken on that shard's database, on a connection of its own
/// (a lease held by a live connection). Each shard has its own lease, so N workers share the shards, and a shard that is
/// away stops only its own leadership: the others go on.
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
    private readonly ConcurrentDictionary<string, bool> _leading = new();

    /// <summary>The loop's name: its advisory lock's key, and what logs and the status endpoint call it.</summary>
    protected abstract string LoopName { get; }

    /// <summary>The loop's name, for the worker's heartbeat.</summary>
    public string Name => LoopName;

    /// <summary>The loop on one shard, run while this process leads it there; <paramref name="leading"/> ends when it stops leading.</summary>
    protected abstract Task RunAsLeaderAsync(ShardRef shard, CancellationToken leading);

    /// <summary>
    /// One step of a pass: a step that cannot even start (the database is away) is logged and skipped, and the other steps
    /// of the pass still run; the loop tries it again on its next pass.
    /// </summary>
    protected async Task StepAsync(string what, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "The {Loop} loop could not {Step}; it tries again on its next pass", LoopName, what);
        }
    }

    /// <summary>Whether this process leads the loop on any shard now.</summary>
    public bool IsLeading => !_leading.IsEmpty;

    /// <summary>The shards on which this process leads the loop now, in name order.</summary>
    public IReadOnlyList<string> LeadingShards => _leading.Keys.Order(StringComparer.Ordinal).ToList();

    protected override async Task ExecuteAsync(CancellationToken hostStopping)
    {
        // The host stops its services one at a time, in reverse order; a loop waiting for its turn would go on working
        // (a sweep could run to its end). Every loop stops, and hands its leases back, as soon as the stop begins.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(hostStopping, leases.ApplicationStopping);
        await Task.WhenAll(leases.Shards.Select(shard => Task.Run(() => RunOnShardAsync(shard, stopping.Token), CancellationToken.None)));
    }

    // One shard's acquire, lead and watch cycle: its failure only retries this shard.
    private async Task RunOnShardAsync(string shardName, CancellationToken stoppingToken)
    {
        var poll = leases.Poll;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var shard = await leases.ShardAsync(shardName);
                await using var lease = await leases.TryAcquireAsync(shard, LoopName, stoppingToken);
                if (lease is not null)
                    await LeadAsync(shard, lease, poll, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The shard's database is away, or the loop failed outside its own isolation: wait, then try to lead again.
                logger.LogWarning(LoopFailures.WorthAStack(e), "The {Loop} loop stopped leading on shard {Shard} ({Error}); it tries again",
                    LoopName, shardName, e.Message);
            }
            try { await Task.Delay(poll, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task LeadAsync(ShardRef shard, SessionLock lease, TimeSpan poll, CancellationToken stoppingToken)
    {
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var watch = WatchAsync(lease, poll, leading);
        _leading[shard.Name] = true;
        logger.LogInformation("This process now leads the {Loop} loop on shard {Shard}", LoopName, shard.Name);
        try
        {
            await RunAsLeaderAsync(shard, leading.Token);
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning("The {Loop} loop lost its lease on shard {Shard} (the database connection is gone) and stopped", LoopName, shard.Name);
        }
        finally
        {
            _leading.TryRemove(shard.Name, out _);
            await leading.CancelAsync();
            await watch;
        }
    }

    // Cancels the loop as soon as the lease's connection stops answering.
    private static async Task WatchAsync(SessionLock lease, TimeSpan poll, CancellationTokenSource leading)
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

/// <summary>Where the loops' leases come from: each shard's own database (one lease per loop and shard), and how often they are tried and checked.</summary>
public sealed class LoopLeases(ShardDatabases shards, IOptions<WinBackOptions> options, IHostApplicationLifetime lifetime)
{
    public TimeSpan Poll => options.Value.Workers.TakeoverPoll;

    /// <summary>Fires when the process begins to stop, before the host stops its services one by one.</summary>
    public CancellationToken ApplicationStopping => lifetime.ApplicationStopping;

    /// <summary>The shards every loop runs on, each led on its own.</summary>
    public IEnumerable<string> Shards => shards.Names;

    public ValueTask<ShardRef> ShardAsync(string name) => shards.FindAsync(name);

    public Task<SessionLock?> TryAcquireAsync(ShardRef shard, string name, CancellationToken ct) =>
        SessionLock.TryAcquireAsync(() => shard.Database.CreateConnection(), LockKeys.Loop(name), ct);
}
