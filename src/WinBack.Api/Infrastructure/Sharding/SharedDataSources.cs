using System.Collections.Concurrent;
using Npgsql;
using Weasel.Postgresql.Connections;

namespace WinBack.Api.Infrastructure.Sharding;

/// <summary>
/// One connection pool per database for the whole process: the master's is shared by the platform's own statements and by
/// Marten's assignment reads, and with no shards configured the only shard's is that same pool. (Marten alone would open a
/// pool per use of a connection string, and each holds idle connections of its own.) The process owns the pools; they are
/// closed when the service stops.
/// </summary>
public sealed class SharedDataSources : INpgsqlDataSourceFactory, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<NpgsqlDataSource>> _sources = new();

    public NpgsqlDataSource Create(string connectionString) =>
        _sources.GetOrAdd(connectionString, cs => new Lazy<NpgsqlDataSource>(() => NpgsqlDataSource.Create(cs))).Value;

    // Marten must not close a pool that others still use.
    public bool OwnsDataSource(NpgsqlDataSource dataSource) => false;

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources.Values.Where(s => s.IsValueCreated))
            await source.Value.DisposeAsync();
        _sources.Clear();
    }
}
