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
    /// Runs a write again when PostgreSQL chose it as a deadlock victim (40P01) or could not serialize it (40001): both
    /// mean "try again", and the caller should never see them. Up to 5 tries, a few random milliseconds apart.
    /// </summary>
    public static async Task<T> RetryOnConflictAsync<T>(Func<Task<T>> write, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await write();
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < 5)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), ct);
            }
        }
    }

    /// <summary>A column that may be SQL null, as a .NET null.</summary>
    public static string? StringOrNull(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <inheritdoc cref="StringOrNull"/>
    public static T? ValueOrNull<T>(this NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
}
