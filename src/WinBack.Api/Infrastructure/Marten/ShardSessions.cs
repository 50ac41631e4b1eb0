using Marten;
using SessionOptions = Marten.Services.SessionOptions;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Infrastructure.Marten;

/// <summary>
/// Sessions for a background scan over every tenant's documents (queued jobs, with <c>AnyTenant()</c>): one per shard, each shard
/// read on its own. A tenant's own work then opens a session for that tenant, which Marten routes to its shard.
/// </summary>
public static class ShardSessions
{
    /// <summary>What <paramref name="query"/> finds on every shard, concatenated in shard order.</summary>
    public static async Task<IReadOnlyList<T>> QueryEachAsync<T>(IDocumentStore store,
        Func<IQuerySession, Task<IReadOnlyList<T>>> query, CancellationToken ct)
    {
        var found = new List<T>();
        foreach (var database in await Sql.EachDatabaseAsync(store, ct))
        {
            await using var session = store.QuerySession(SessionOptions.ForDatabase(database));
            found.AddRange(await query(session));
        }
        return found;
    }
}
