using Npgsql;

namespace WinBack.Api.Tests.Infrastructure;

/// <summary>Ends the session that holds a session-level advisory lock, as a killed process or a cut connection would.</summary>
public static class LockHolders
{
    /// <returns>How many sessions were ended: the holders of the key in the connection's database.</returns>
    public static async Task<long> TerminateAsync(NpgsqlConnection connection, string key)
    {
        await using var command = new NpgsqlCommand("""
            select count(pg_terminate_backend(pid)) from pg_locks
            where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())
              and ((classid::bigint << 32) | objid::bigint) = hashtextextended(@key, 0)
            """, connection);
        command.Parameters.AddWithValue("key", key);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
