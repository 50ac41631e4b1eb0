using Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Features.Reports;
using WinBack.Api.Features.Rewards;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Sweeps;

/// <summary>Wakes the engine worker early, when a sweep was just asked for in this process.</summary>
public sealed class EngineSignal : WakeSignal;

/// <summary>
/// The worker's engine loop (role worker, exactly one process): runs queued sweeps, sweeps every live tenant on
/// the sweep cadence, and expires due rewards of live tenants on the expiry cadence. Test tenants are frozen in
/// time; their sweeps and expiries run when their clock is advanced, or when a sweep is asked for.
/// </summary>
public sealed class EngineWorker(IDocumentStore store, LapseSweep sweep, RewardExpiry expiry, EngineSignal signal, TimeProvider wall,
    IOptions<WinBackOptions> options, ILogger<EngineWorker> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var engine = options.Value.Engine;
        try
        {
            await FailInterruptedSweepsAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not mark interrupted sweeps as failed");
        }
        var nextSweep = DateTimeOffset.MinValue;
        var nextExpiry = DateTimeOffset.MinValue;
        var nextRefresh = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunQueuedSweepsAsync(stoppingToken);
                var now = wall.GetUtcNow();
                // Keeps the report rollups close behind the episodes, so that a report's own refresh has little to do.
                if (now >= nextRefresh)
                {
                    await ReportRollups.RefreshAllAsync(store, stoppingToken);
                    nextRefresh = now + engine.ReportRefreshInterval;
                }
                if (now >= nextExpiry)
                {
                    await ForEachLiveTenantAsync(tenantId => expiry.RunAsync(tenantId, now, stoppingToken), stoppingToken);
                    nextExpiry = now + engine.ExpiryInterval;
                }
                if (now >= nextSweep)
                {
                    await ForEachLiveTenantAsync(tenantId => sweep.RunAsync(tenantId, now, progress: null, stoppingToken), stoppingToken);
                    nextSweep = now + engine.SweepInterval;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "The engine loop failed; it tries again");
            }
            try
            {
                await signal.WaitAsync(Poll, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ForEachLiveTenantAsync(Func<string, Task> run, CancellationToken ct)
    {
        IReadOnlyList<string> tenants;
        await using (var session = store.QuerySession())
            tenants = await session.Query<Tenant>().Where(t => t.Mode == TenantMode.Live).Select(t => t.Id).ToListAsync(ct);
        foreach (var tenantId in tenants)
        {
            try
            {
                await run(tenantId);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Engine run for tenant {TenantId} failed; the next run tries again", tenantId);
            }
        }
    }

    // There is one worker: a sweep still marked running when it starts was cut off by a restart. What it wrote is kept.
    private async Task FailInterruptedSweepsAsync(CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        foreach (var job in await session.Query<SweepJob>().Where(j => j.Status == SweepStatus.Running).ToListAsync(ct))
        {
            job.Status = SweepStatus.Failed;
            job.Failure = "The worker restarted during the sweep; what it did is kept, and running another sweep is safe.";
            job.CompletedAt = wall.GetUtcNow();
            session.Store(job);
        }
        await session.SaveChangesAsync(ct);
    }

    private async Task RunQueuedSweepsAsync(CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var queued = await session.Query<SweepJob>().Where(j => j.Status == SweepStatus.Queued).OrderBy(j => j.CreatedAt).ToListAsync(ct);
        foreach (var job in queued)
        {
            job.Status = SweepStatus.Running;
            job.StartedAt = wall.GetUtcNow();
            await SaveAsync(session, job, ct);
            try
            {
                job.Counts = await sweep.RunAsync(job.TenantId, job.AsOf, async counts =>
                {
                    job.Counts = counts;
                    await SaveAsync(session, job, ct);
                }, ct);
                job.Status = SweepStatus.Succeeded;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Sweep {SweepId} failed", job.Id);
                job.Status = SweepStatus.Failed;
                job.Failure = "The sweep stopped on an internal error; what it did is kept, and running another sweep is safe.";
            }
            job.CompletedAt = wall.GetUtcNow();
            await SaveAsync(session, job, ct);
        }
    }

    private static async Task SaveAsync(IDocumentSession session, SweepJob job, CancellationToken ct)
    {
        session.Store(job);
        await session.SaveChangesAsync(ct);
    }
}
