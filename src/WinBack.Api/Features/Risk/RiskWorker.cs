using Marten;
using WinBack.Api.Infrastructure.Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Features.Risk;

/// <summary>Wakes the risk worker early, when a refit was just asked for in this process.</summary>
public sealed class RiskSignal : WakeSignal;

/// <summary>
/// The worker's risk loop (led on each shard by one worker process at a time, for that shard's tenants, <see cref="LeaderLoop"/>): queues a refit for every live tenant
/// whose last one is older than WinBack__Risk__RefitInterval, and runs queued refits, each tenant a unit. A refit that cannot
/// run (the database is away) goes back to the queue and is tried again, and is given up after
/// WinBack__Background__ParkAfterFailures attempts with its reason on the job (<see cref="QueuedJobs"/>); it never holds up
/// another tenant's. A fit is safe to run again (it appends one more outcome), so a refit cut off by a lost lease is queued again.
/// </summary>
public sealed class RiskWorker(IDocumentStore store, RiskModels models, RiskCrossings crossings, QueuedJobs jobs, RiskSignal signal, Ids ids,
    TenantClock clock, TimeProvider wall, IOptions<WinBackOptions> options, LoopLeases leases, ILogger<RiskWorker> logger) : LeaderLoop(leases, logger)
{
    public const string RefitLoop = "risk_refit";
    // A finished refit frees its tenant's slot in the same transaction, so the next request queues a new one.
    private static readonly JobKind<RiskRefitJob> Kind = new(RefitLoop,
        (attempts, reason) => $"The refit could not run {attempts} times and was given up: {reason} The previous model stays in force.",
        (session, job, done) =>
        {
            if (done)
                session.Delete<ActiveRiskRefit>(job.TenantId);
        });
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    protected override string LoopName => "risk";

    protected override async Task RunAsLeaderAsync(ShardRef shard, CancellationToken stoppingToken)
    {
        await StepAsync("queue interrupted refits again", () => InterruptedJobs.RequeueAsync<RiskRefitJob>(store, shard.Database, j => j.Status == RiskRefitStatus.Running, j => j.TenantId,
            j => j.Status = RiskRefitStatus.Queued, stoppingToken));
        while (!stoppingToken.IsCancellationRequested)
        {
            await StepAsync("queue scheduled refits", () => QueueDueTenantsAsync(shard, stoppingToken));
            await StepAsync("run queued refits", () => RunQueuedAsync(shard, stoppingToken));
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

    // Live tenants without a refit created within the interval; test tenants are refitted when asked.
    private async Task QueueDueTenantsAsync(ShardRef shard, CancellationToken ct)
    {
        var now = wall.GetUtcNow();
        var since = now - options.Value.Risk.RefitInterval;
        var live = await clock.WallClockTenantsAsync(shard.Name, ct);
        var recent = await ShardSessions.QueryAsync(store, shard.Database, session =>
            session.Query<RiskRefitJob>().Where(j => j.AnyTenant() && j.CreatedAt > since).Select(j => j.TenantId).ToListAsync(ct));
        foreach (var tenantId in live.Except(recent))
            await RefitRiskModelEndpoint.QueueAsync(store, ids.New("rfit"), tenantId, scheduled: true, now, ct);
    }

    private async Task RunQueuedAsync(ShardRef shard, CancellationToken ct)
    {
        var queued = await ShardSessions.JobsAsync(store, shard.Database, session =>
            session.Query<RiskRefitJob>().Where(j => j.AnyTenant() && j.Status == RiskRefitStatus.Queued).OrderBy(j => j.CreatedAt).ToListAsync(ct), j => j.TenantId, ct);
        await jobs.RunEachAsync(Kind, shard, queued, async (job, _) =>
        {
            var outcome = await models.FitAsync(job.TenantId, ct);
            // A new model in force (or none) moves every at-risk crossing; a failed fit leaves the model, and them, as they were.
            if (outcome is not Domain.Risk.RiskModelFitFailed)
                await crossings.RecomputeAsync(job.TenantId, threshold: null, ct);
            job.Outcome = outcome switch
            {
                Domain.Risk.RiskModelFitted => Domain.Risk.RiskModelStatus.Fitted,
                Domain.Risk.RiskModelFitFailed => Domain.Risk.RiskModelStatus.Failed,
                _ => Domain.Risk.RiskModelStatus.InsufficientData,
            };
            return null;
        }, ct);
    }
}
