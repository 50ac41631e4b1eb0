using System.Collections.Concurrent;
using Marten;
using Marten.Storage;

namespace WinBack.Api.Infrastructure.Sharding;

/// <summary>A shard by name, with Marten's database for it: what a per-shard loop, scan or status read works on.</summary>
public sealed record ShardRef(string Name, IMartenDatabase Database);

/// <summary>
/// Marten's database of each configured shard (<see cref="ShardLayout"/>), looked up by name once and kept: the databases
/// do not change while the process runs, and the look-up reads the master's assignment table.
/// </summary>
public sealed class ShardDatabases(IDocumentStore store, ShardLayout layout)
{
    private readonly ConcurrentDictionary<string, ShardRef> _known = new();

    public IEnumerable<string> Names => layout.Shards.Select(s => s.Name);

    public async ValueTask<ShardRef> FindAsync(string name)
    {
        if (_known.TryGetValue(name, out var known))
            return known;
        // Identifier is the name the shard was added under; the newer Id names its server and database instead.
#pragma warning disable CS0618
        var database = (await store.Storage.AllDatabases()).First(d => d.Identifier == name);
#pragma warning restore CS0618
        return _known.GetOrAdd(name, new ShardRef(name, database));
    }

    /// <summary>Every shard, in name order.</summary>
    public async Task<IReadOnlyList<ShardRef>> AllAsync()
    {
        var shards = new List<ShardRef>();
        foreach (var name in Names)
            shards.Add(await FindAsync(name));
        return shards;
    }
}
