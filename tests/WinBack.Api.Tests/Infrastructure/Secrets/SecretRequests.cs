using System.Net.Http.Json;
using Npgsql;

namespace WinBack.Api.Tests.Infrastructure.Secrets;

/// <summary>What the secrets tests share: an idempotent request whose answer carries a secret, and SQL on the app's database.</summary>
internal static class SecretRequests
{
    /// <summary>Creates an ingest key under the Idempotency-Key (or replays it) and returns the answer's body.</summary>
    public static async Task<string> CreateKeyAsync(HttpClient admin, string idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/api-keys") { Content = JsonContent.Create(new { scope = "ingest" }) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        var response = await admin.SendAsync(request);
        ((int)response.StatusCode).ShouldBe(201);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Runs a statement that changes exactly one row.</summary>
    public static async Task ExecuteAsync(string connectionString, string sql, params (string Name, object Value)[] parameters) =>
        (await RunAsync(connectionString, sql, parameters, command => command.ExecuteNonQueryAsync())).ShouldBe(1);

    public static Task<string> ReadAsync(string connectionString, string sql, params (string Name, object Value)[] parameters) =>
        RunAsync(connectionString, sql, parameters, async command => (string)(await command.ExecuteScalarAsync())!);

    private static async Task<T> RunAsync<T>(string connectionString, string sql, (string Name, object Value)[] parameters,
        Func<NpgsqlCommand, Task<T>> run)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return await run(command);
    }
}
