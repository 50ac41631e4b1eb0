using Npgsql;

namespace WinBack.Api.Tests.Features.Sharding;

/// <summary>A tenant's rows on a shard, read with plain SQL (what a move must copy, and leave nowhere else).</summary>
internal static class ShardRows
{
    // Every table of the shard's schema with a tenant column (partitions counted through their parent).
    public static async Task<Dictionary<string, long>> CountsAsync(string shard, string tenantId)
    {
        var counts = new Dictionary<string, long>();
        await using var connection = new NpgsqlConnection(shard);
        await connection.OpenAsync();
        var tables = new List<(string Table, string Column)>();
        await using (var list = new NpgsqlCommand("""
            select c.table_schema || '.' || c.table_name, c.column_name from information_schema.columns c
            join pg_class p on p.oid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass
            where c.table_schema like 'winback%' and c.column_name in ('tenant_id', 'owner') and not p.relispartition
            """, connection))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                tables.Add((reader.GetString(0), reader.GetString(1)));
        foreach (var (table, column) in tables)
            counts[table] = await ScalarAsync(connection, $"select count(*) from {table} where {column} = @t", tenantId);
        return counts;
    }

    public static async Task<long> CountAsync(string shard, string table, string tenantId) =>
        await ScalarAsync(shard, $"select count(*) from winback.{table} where tenant_id = @t", tenantId);

    public static async Task<string[]> StreamVersionsAsync(string shard, string tenantId)
    {
        await using var connection = new NpgsqlConnection(shard);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select id || ':' || version from winback.mt_streams where tenant_id = @t order by id", connection);
        command.Parameters.AddWithValue("t", tenantId);
        var versions = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            versions.Add(reader.GetString(0));
        return [.. versions];
    }

    public static async Task<string> MasterShardAsync(string master, string tenantId)
    {
        await using var connection = new NpgsqlConnection(master);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select shard from winback.tenant where id = @t", connection);
        command.Parameters.AddWithValue("t", tenantId);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<long> ScalarAsync(string shard, string sql, string tenantId)
    {
        await using var connection = new NpgsqlConnection(shard);
        await connection.OpenAsync();
        return await ScalarAsync(connection, sql, tenantId);
    }

    public static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql, string tenantId)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("t", tenantId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
