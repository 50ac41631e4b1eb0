using System.Linq.Expressions;
using Marten;

namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>
/// Jobs that only a loop's leader runs (sweeps, refits): when a process has just become the leader, a job still marked
/// running was cut off when the previous leader died or lost its lease. What it wrote is kept, and each such job is safe
/// to run again, so it goes back to the queue rather than being failed.
/// </summary>
public static class InterruptedJobs
{
    public static async Task RequeueAsync<TJob>(IDocumentStore store, Expression<Func<TJob, bool>> running, Action<TJob> requeue,
        CancellationToken ct) where TJob : notnull
    {
        await using var session = store.LightweightSession();
        foreach (var job in await session.Query<TJob>().Where(running).ToListAsync(ct))
        {
            requeue(job);
            session.Store(job);
        }
        await session.SaveChangesAsync(ct);
    }
}
