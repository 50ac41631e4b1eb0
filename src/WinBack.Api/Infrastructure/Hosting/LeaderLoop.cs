using Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;

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

    /// <summary>Whether this process leads the loop now.</summary>
    public bool IsLeading { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken hostStopping)
    {
        // The host stops its services one at a time, in reverse order; a loop waiting for its turn would go on working
        // (a sweep could run to its end). Every loop stops, and hands its lease back, as soon as the stop begins.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(hostStopping, leases.ApplicationStopping);
        var stoppingToken = stopping.Token;
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

    private async Task LeadAsync(SessionLock lease, TimeSpan poll, CancellationToken stoppingToken)
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

/// <summary>Where the loops' leases come from: the platform's database (one lease per loop, whatever the tenants' databases), and how often they are tried and checked.</summary>
public sealed class LoopLeases(PlatformDatabase platform, IOptions<WinBackOptions> options, IHostApplicationLifetime lifetime)
{
    public TimeSpan Poll => options.Value.Workers.TakeoverPoll;

    /// <summary>Fires when the process begins to stop, before the host stops its services one by one.</summary>
    public CancellationToken ApplicationStopping => lifetime.ApplicationStopping;

    public Task<SessionLock?> TryAcquireAsync(string name, CancellationToken ct) => SessionLock.TryAcquireAsync(platform.CreateConnection, LockKeys.Loop(name), ct);
}
