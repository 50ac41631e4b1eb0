using Marten;
using Npgsql;

namespace WinBack.Api.Infrastructure.Postgres;

/// <summary>Plain SQL against the store's database, for the tables kept outside Marten's documents (reports, webhooks, Stripe).</summary>
public static class Sql
{
    public static async Task<NpgsqlConnection> OpenAsync(IDocumentStore store, CancellationToken ct)
    {
        var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        return connection;
    }

    /// <summary>A command with named parameters (<c>@name</c>); null values must be passed as <see cref="DBNull.Value"/>.</summary>
    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return command;
    }
}
