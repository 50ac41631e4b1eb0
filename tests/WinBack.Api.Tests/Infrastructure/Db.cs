using Npgsql;

namespace WinBack.Api.Tests.Infrastructure;

/// <summary>Plain SQL on an app's database, for what no API can do: planting values stored before a rule existed, and reading tables.</summary>
public static class Db
{
    /// <summary>Runs a statement with <c>@tenant</c> bound; returns the rows it changed.</summary>
    public static async Task<int> ExecuteAsync(string connectionString, string sql, string tenantId, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, sql, tenantId, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>A count or other integer that a query answers, with <c>@tenant</c> bound.</summary>
    public static async Task<long> ScalarAsync(string connectionString, string sql, string tenantId, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, sql, tenantId, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, string tenantId, (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return command;
    }
}
