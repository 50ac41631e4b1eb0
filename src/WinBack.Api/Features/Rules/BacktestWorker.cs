using Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Features.Rules;

/// <summary>Wakes the backtest worker early, when a backtest was just asked for in this process.</summary>
public sealed class BacktestSignal : WakeSignal;

/// <summary>
/// The worker's backtest loop (led on each shard by one worker process at a time, <see cref="LeaderLoop"/>): runs queued backtests,
/// each one a unit. A backtest that cannot run goes back to the queue and is tried again, and is given up after
/// WinBack__Background__ParkAfterFailures attempts, parked with its reason in <see cref="BackgroundHealth"/>; it never holds up
/// another. A backtest writes nothing but its job, so one cut off by a lost lease is simply queued again and run from the start.
/// </summary>
public sealed class BacktestWorker(IDocumentStore store, BacktestRunner runner, BackgroundHealth health, BacktestSignal signal, TimeProvider wall,
    IOptions<WinBackOptions> options, LoopLeases leases, ILogger<BacktestWorker> logger) : LeaderLoop(leases, logger)
{
    public const string BacktestLoop = "backtest";
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    protected override string LoopName => "backtest";

    protected override async Task RunAsLeaderAsync(ShardRef shard, CancellationToken stoppingToken)
    {
        await StepAsync("queue interrupted backtests again", () => InterruptedJobs.RequeueAsync<BacktestJob>(store, shard.Database,
            j => j.Status == BacktestStatus.Running, j => j.TenantId, j => j.Status = BacktestStatus.Queued, stoppingToken));
        while (!stoppingToken.IsCancellationRequested)
        {
            await StepAsync("run queued backtests", () => RunQueuedAsync(shard, stoppingToken));
            try
            {
                await signal.WaitAsync(Poll, stoppingToken, shard.Name);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunQueuedAsync(ShardRef shard, CancellationToken ct)
    {
        var queued = await ShardSessions.JobsAsync(store, shard.Database, session =>
            session.Query<BacktestJob>().Where(j => j.AnyTenant() && j.Status == BacktestStatus.Queued).OrderBy(j => j.CreatedAt).ToListAsync(ct), j => j.TenantId, ct);
        var failing = await health.FailingAsync(BacktestLoop, shard.Database, ct);
        foreach (var job in queued)
            if (!failing.Waiting(job.TenantId, job.Id, wall.GetUtcNow()))
                await RunAsync(job, ct);
    }

    private async Task RunAsync(BacktestJob job, CancellationToken ct)
    {
        try
        {
            job.Status = BacktestStatus.Running;
            job.StartedAt ??= wall.GetUtcNow();
            await SaveAsync(job, ct);
            job.Result = await runner.RunAsync(job, ct);
            job.Status = BacktestStatus.Succeeded;
            job.Failure = null;
            if (job.Attempts > 0)
                await health.ClearAsync(BacktestLoop, job.TenantId, [job.Id], ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            job.Attempts++;
            var failure = await health.FailedAsync(BacktestLoop, job.TenantId, job.Id, e, ct);
            var reason = BackgroundHealth.ReasonOf(e);
            var givenUp = failure?.Parked ?? job.Attempts >= options.Value.Background.ParkAfterFailures;
            job.Status = givenUp ? BacktestStatus.Failed : BacktestStatus.Queued;
            job.Failure = givenUp
                ? $"The backtest could not run {job.Attempts} times and was given up: {reason} Asking for it again is safe."
                : $"Attempt {job.Attempts} failed: {reason} It is tried again.";
        }
        job.CompletedAt = job.Status is BacktestStatus.Succeeded or BacktestStatus.Failed ? wall.GetUtcNow() : null;
        try
        {
            await SaveAsync(job, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogError(e, "Could not record the outcome of backtest {JobId} of tenant {TenantId}", job.Id, job.TenantId);
        }
    }

    private async Task SaveAsync(BacktestJob job, CancellationToken ct)
    {
        await using var session = store.LightweightSession(job.TenantId); // the job lives on its tenant's shard
        session.Store(job);
        await session.SaveChangesAsync(ct);
    }
}
