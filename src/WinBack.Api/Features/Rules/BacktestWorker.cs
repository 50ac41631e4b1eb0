using Marten;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Features.Rules;

/// <summary>Wakes the backtest worker early, when a backtest was just asked for in this process.</summary>
public sealed class BacktestSignal : WakeSignal;

/// <summary>
/// The worker's backtest loop (led on each shard by one worker process at a time, <see cref="LeaderLoop"/>): runs queued backtests,
/// each one a unit, through <see cref="QueuedJobs"/>: one that cannot run goes back to the queue and is tried again, and is given
/// up after WinBack__Background__ParkAfterFailures attempts with its reason on the job; it never holds up another. A backtest
/// writes nothing but its job, so one cut off by a lost lease is simply queued again and run from the start.
/// </summary>
public sealed class BacktestWorker(IDocumentStore store, BacktestRunner runner, QueuedJobs jobs, BacktestSignal signal, LoopLeases leases,
    ILogger<BacktestWorker> logger) : LeaderLoop(leases, logger)
{
    public const string BacktestLoop = "backtest";
    private static readonly JobKind<BacktestJob> Kind = new(BacktestLoop,
        (attempts, reason) => $"The backtest could not run {attempts} times and was given up: {reason} Asking for it again is safe.");
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
        await jobs.RunEachAsync(Kind, shard, queued, async (job, _) =>
        {
            job.Result = await runner.RunAsync(job, ct);
            return null;
        }, ct);
    }
}
