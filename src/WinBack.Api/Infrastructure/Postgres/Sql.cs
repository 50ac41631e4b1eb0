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

    /// <summary>
    /// A command with named parameters (<c>@name</c>); a null value is sent as SQL null. Text PostgreSQL cannot store
    /// is refused here, before anything is sent (<see cref="UnstorableTextException"/> says why).
    /// </summary>
    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
            RequireStorable(name, value);
        var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private static void RequireStorable(string name, object? value)
    {
        if (value is string text)
            StorableText.Require(text, $"SQL parameter @{name}");
        else if (value is IEnumerable<string?> texts)
            foreach (var item in texts)
                StorableText.Require(item, $"SQL parameter @{name}");
    }

    /// <summary>
    /// Runs a statement again when PostgreSQL broke a deadlock or a serialization conflict by failing it (40P01, 40001): the
    /// statement was rolled back whole, and a second run meets the other transaction finished. Up to three runs.
    /// </summary>
    public static async Task<T> RetryingAsync<T>(Func<Task<T>> run)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await run();
            }
            catch (PostgresException e) when (attempt < 3 && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * attempt));
            }
        }
    }

    /// <summary>A column that may be SQL null, as a .NET null.</summary>
    public static string? StringOrNull(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <inheritdoc cref="StringOrNull"/>
    public static T? ValueOrNull<T>(this NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
}
