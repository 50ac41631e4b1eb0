using Marten;
using WinBack.Api.Infrastructure.Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Features.Reports;
using WinBack.Api.Features.Rewards;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Features.Engine;

/// <summary>Wakes the engine worker early, when a sweep was just asked for in this process.</summary>
public sealed class EngineSignal : WakeSignal;

/// <summary>
/// The worker's engine loop (role worker, led on each shard by one worker process at a time, for that shard's tenants): runs queued sweeps, refreshes report rollups, sweeps every
/// live tenant on the sweep cadence, and expires due rewards of live tenants on the expiry cadence. Test tenants are frozen
/// in time; their sweeps and expiries run when their clock is advanced, or when a sweep is asked for.
/// Every unit (a queued sweep, a tenant's refresh, expiry or sweep) runs on its own through <see cref="BackgroundHealth"/>:
/// a failure is recorded and logged with tenant and id, and a unit that keeps failing is parked, so one tenant's failure
/// never stops or delays another's work by more than its own attempt. Each step of a pass has its own try/catch too.
/// Two workers: one leads the engine at a time (<see cref="LeaderLoop"/>). Half-done work: a sweep, an expiry run and a refresh
/// are each safe to run again (exactly once per lapse, a cursor that moves only after the writes, dirty marks taken in the
/// refresh's transaction), and an interrupted queued sweep is queued again. Take-over: see <see cref="LeaderLoop"/> (5-25 s).
/// </summary>
public sealed class EngineWorker(IDocumentStore store, LapseSweep sweep, RewardExpiry expiry, BackgroundHealth health, QueuedJobs jobs, EngineSignal signal,
    TenantClock clock, TimeProvider wall, IOptions<WinBackOptions> options, LoopLeases leases, ILogger<EngineWorker> logger, SaveOffers.SaveValidation saves)
    : LeaderLoop(leases, logger)
{
    public const string SweepJobLoop = "sweep_job", SweepLoop = "sweep", ExpiryLoop = "expiry", SaveValidationLoop = "save_validation";
    private static readonly JobKind<SweepJob> SweepJobKind = new(SweepJobLoop, (attempts, reason) =>
        $"The sweep failed {attempts} times and was given up: {reason} What it did is kept, and running another sweep is safe.");
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    protected override string LoopName => "engine";

    protected override async Task RunAsLeaderAsync(ShardRef shard, CancellationToken stoppingToken)
    {
        var engine = options.Value.Engine;
        await StepAsync("queue interrupted sweeps again", () => InterruptedJobs.RequeueAsync<SweepJob>(store, shard.Database, j => j.Status == SweepStatus.Running, j => j.TenantId,
            j => j.Status = SweepStatus.Queued, stoppingToken));
        var nextSweep = DateTimeOffset.MinValue;
        var nextExpiry = DateTimeOffset.MinValue;
        var nextRefresh = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            await StepAsync("run queued sweeps", () => RunQueuedSweepsAsync(shard, stoppingToken));
            var now = wall.GetUtcNow();
            // Keeps the report rollups close behind the episodes, so that a report's own refresh has little to do.
            if (now >= nextRefresh)
            {
                await StepAsync("refresh reports", async () => await ForEachTenantAsync(shard, ReportRollups.RefreshLoop,
                    await ReportRollups.DirtyTenantsAsync(shard.Database, stoppingToken),
                    tenantId => ReportRollups.RefreshAsync(store, health, tenantId, stoppingToken), stoppingToken));
                nextRefresh = now + engine.ReportRefreshInterval;
            }
            if (now >= nextExpiry)
            {
                await StepAsync("expire rewards", async () => await ForEachTenantAsync(shard, ExpiryLoop, await clock.WallClockTenantsAsync(shard.Name, stoppingToken),
                    tenantId => expiry.RunAsync(tenantId, now, stoppingToken), stoppingToken));
                await StepAsync("validate saves", async () => await ForEachTenantAsync(shard, SaveValidationLoop, await clock.WallClockTenantsAsync(shard.Name, stoppingToken),
                    tenantId => saves.RunAsync(tenantId, now, stoppingToken), stoppingToken));
                nextExpiry = now + engine.ExpiryInterval;
            }
            if (now >= nextSweep)
            {
                await StepAsync("sweep", async () => await ForEachTenantAsync(shard, SweepLoop, await clock.WallClockTenantsAsync(shard.Name, stoppingToken),
                    tenantId => sweep.RunAsync(tenantId, now, progress: null, stoppingToken), stoppingToken));
                nextSweep = now + engine.SweepInterval;
            }
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

    private async Task ForEachTenantAsync(ShardRef shard, string loop, IReadOnlyList<string> tenants, Func<string, Task> run, CancellationToken ct)
    {
        var failing = await health.FailingAsync(loop, shard.Database, ct);
        foreach (var tenantId in tenants)
            await health.RunAsync(loop, tenantId, BackgroundHealth.WholeTenant, failing, () => run(tenantId), ct);
    }

    // The oldest queued sweep of each tenant: a tenant's queue of sweeps holds up another tenant's by one sweep at most. A sweep
    // saves its counts after each batch; a failed one goes back to the queue with its reason, and running it again is safe.
    private async Task RunQueuedSweepsAsync(ShardRef shard, CancellationToken ct)
    {
        var queued = await ShardSessions.JobsAsync(store, shard.Database, session =>
            session.Query<SweepJob>().Where(j => j.AnyTenant() && j.Status == SweepStatus.Queued).OrderBy(j => j.CreatedAt).ToListAsync(ct), j => j.TenantId, ct);
        await jobs.RunEachAsync(SweepJobKind, shard, queued.GroupBy(j => j.TenantId).Select(g => g.First()), async (job, saveProgress) =>
        {
            job.Counts = await sweep.RunAsync(job.TenantId, job.AsOf, async counts =>
            {
                job.Counts = counts;
                await saveProgress();
            }, ct);
            return LapseSweep.Describe(job.Counts);
        }, ct);
    }
}
