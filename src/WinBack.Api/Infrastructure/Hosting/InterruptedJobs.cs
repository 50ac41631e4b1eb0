using System.Linq.Expressions;
using Marten;
using Marten.Storage;
using WinBack.Api.Infrastructure.Marten;

namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>
/// Jobs that only a loop's leader runs (sweeps, refits): when a process has just become the leader, a job still marked
/// running was cut off when the previous leader died or lost its lease. What it wrote is kept, and each such job is safe
/// to run again, so it goes back to the queue rather than being failed.
/// </summary>
public static class InterruptedJobs
{
    /// <param name="shard">The shard the new leader leads: each shard's jobs are requeued by that shard's leader.</param>
    public static async Task RequeueAsync<TJob>(IDocumentStore store, IMartenDatabase shard, Expression<Func<TJob, bool>> running, Func<TJob, string> tenantOf,
        Action<TJob> requeue, CancellationToken ct) where TJob : notnull
    {
        var interrupted = await ShardSessions.JobsAsync(store, shard, session => session.Query<TJob>().Where(j => j.AnyTenant()).Where(running).ToListAsync(ct),
            tenantOf, ct);
        foreach (var job in interrupted)
        {
            requeue(job);
            await using var session = store.LightweightSession(tenantOf(job)); // a job is its tenant's document, on its shard
            session.Store(job);
            await session.SaveChangesAsync(ct);
        }
    }
}
