using Marten;
using Marten.Storage;
using SessionOptions = Marten.Services.SessionOptions;

namespace WinBack.Api.Infrastructure.Marten;

/// <summary>
/// Sessions for a background scan over a shard's tenants' documents (queued jobs, with <c>AnyTenant()</c>): each shard is read
/// on its own, by its own loop. A tenant's own work then opens a session for that tenant, which Marten routes to its shard.
/// </summary>
public static class ShardSessions
{
    /// <summary>What <paramref name="query"/> finds on one shard (a per-shard loop's scan).</summary>
    public static async Task<IReadOnlyList<T>> QueryAsync<T>(IDocumentStore store, IMartenDatabase database,
        Func<IQuerySession, Task<IReadOnlyList<T>>> query)
    {
        await using var session = store.QuerySession(SessionOptions.ForDatabase(database));
        return await query(session);
    }

    /// <summary>
    /// Queued or running jobs found on one shard, without those of tenants fenced there (<see cref="Sharding.TenantFence"/>): a
    /// tenant moving away from the shard, or copied onto it and not yet served from it, has its jobs run after the move.
    /// </summary>
    public static async Task<IReadOnlyList<T>> JobsAsync<T>(IDocumentStore store, IMartenDatabase database,
        Func<IQuerySession, Task<IReadOnlyList<T>>> query, Func<T, string> tenantOf, CancellationToken ct)
    {
        var jobs = await QueryAsync(store, database, query);
        if (jobs.Count == 0)
            return jobs;
        var fenced = await Sharding.TenantFence.FencedAsync(database, ct);
        return fenced.Count == 0 ? jobs : jobs.Where(j => !fenced.Contains(tenantOf(j))).ToList();
    }
}
