using System.Collections.Concurrent;
using Npgsql;
using Weasel.Postgresql.Connections;

namespace WinBack.Api.Infrastructure.Sharding;

/// <summary>
/// One connection pool per database for the whole process: the master's is shared by the platform's own statements and by
/// Marten's assignment reads, and with no shards configured the only shard's is that same pool. (Marten alone would open a
/// pool per use of a connection string, and each holds idle connections of its own.) The process owns the pools; they are
/// closed when the service stops.
/// Marten keeps each shard's connection string in the master (<c>mt_database_pool</c>): it is given them without their
/// password (<see cref="Stored"/>), and a pool asked for by such a string is opened with the configured one, so that no
/// database password is ever stored.
/// </summary>
/// <param name="ownedByStore">True for a store of its own (a mover's): that store closes the pools when it is disposed.</param>
public sealed class SharedDataSources(bool ownedByStore = false) : INpgsqlDataSourceFactory, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<NpgsqlDataSource>> _sources = new();
    private readonly ConcurrentDictionary<string, string> _passwords = new();

    /// <summary>The form of a configured connection string that may be stored: without its password.</summary>
    public string Stored(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Password is { } password)
            _passwords[Identity(builder)] = password;
        builder.Password = null;
        return builder.ConnectionString;
    }

    public NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // Marten asks with the stored string: the password is added back.
        if (builder.Password is null && _passwords.TryGetValue(Identity(builder), out var password))
            builder.Password = password;
        var connection = builder.ConnectionString;
        return _sources.GetOrAdd(Canonical(builder), _ => new Lazy<NpgsqlDataSource>(() => NpgsqlDataSource.Create(connection))).Value;
    }

    // The same settings in any order are the same pool.
    private static string Canonical(NpgsqlConnectionStringBuilder builder) =>
        string.Join(';', builder.Keys.Cast<string>().Order(StringComparer.OrdinalIgnoreCase).Select(key => $"{key}={builder[key]}"));

    // Which database, as which user: a connection string without its password and application name.
    private static string Identity(NpgsqlConnectionStringBuilder builder) =>
        new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Password = null, ApplicationName = null }.ConnectionString;

    // The process's pools are shared: Marten must not close one that others still use.
    public bool OwnsDataSource(NpgsqlDataSource dataSource) => ownedByStore;

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources.Values.Where(s => s.IsValueCreated))
            await source.Value.DisposeAsync();
        _sources.Clear();
    }
}
