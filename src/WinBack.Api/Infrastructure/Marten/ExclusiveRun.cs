using Marten;
using Npgsql;

namespace WinBack.Api.Infrastructure.Marten;

/// <summary>
/// A session-level PostgreSQL advisory lock held for a whole run (a tenant's sweep, a test clock's advance), so that
/// only one such run per key happens at a time across all processes. A crashed holder's connection drops, and the
/// lock with it. Short, transactional critical sections use <c>pg_advisory_xact_lock</c> instead.
/// </summary>
public sealed class ExclusiveRun : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly string _key;

    private ExclusiveRun(NpgsqlConnection connection, string key) => (_connection, _key) = (connection, key);

    /// <summary>Waits until the lock for <paramref name="key"/> is free, then holds it until disposed.</summary>
    public static async Task<ExclusiveRun> AcquireAsync(IDocumentStore store, string key, CancellationToken ct)
    {
        var connection = store.Storage.Database.CreateConnection();
        try
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("select pg_advisory_lock(hashtextextended(@key, 0))", connection);
            command.Parameters.AddWithValue("key", key);
            await command.ExecuteNonQueryAsync(ct);
            return new ExclusiveRun(connection, key);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    // Pooled connections outlive Close, and a session-level lock outlives the transaction: unlock explicitly.
    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var command = new NpgsqlCommand("select pg_advisory_unlock(hashtextextended(@key, 0))", _connection);
            command.Parameters.AddWithValue("key", _key);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}
