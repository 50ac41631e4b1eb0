using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Stripe;

namespace WinBack.Api.Tests.Infrastructure.Secrets;

public sealed class SecretsAtRestTests(StripeApp app) : IClassFixture<StripeApp>
{
    [Fact]
    public async Task A_dump_of_the_database_after_every_kind_of_secret_holds_none_of_them_in_plain_text()
    {
        var created = await CreateEverySecretAsync();

        var rows = await DumpAsync(app.ConnectionString);
        foreach (var store in new[] { "idempotency_key", "api_key", "webhook_endpoint", "mt_doc_stripeconnection", "data_protection_key" })
            rows.ShouldContain(r => r.StartsWith($"winback.{store}: "), $"the dump reads {store}");
        foreach (var secret in created.Secrets)
            foreach (var form in Forms(secret))
                rows.FirstOrDefault(r => r.Contains(form, StringComparison.OrdinalIgnoreCase))
                    .ShouldBeNull($"the database holds {secret[..8]}… as \"{form[..Math.Min(12, form.Length)]}…\"");
    }

    [Fact]
    public async Task The_key_ring_in_the_database_is_encrypted_with_the_certificate()
    {
        await CreateEverySecretAsync();

        var keys = (await DumpAsync(app.ConnectionString)).Where(r => r.StartsWith(PostgresXmlRepository.TableName + ":")).ToList();
        keys.ShouldNotBeEmpty();
        foreach (var key in keys)
        {
            key.ShouldContain("encryptedSecret");
            key.ShouldContain("EncryptedData");
            key.ShouldNotContain("<masterKey");
            key.ShouldNotContain("requiresEncryption");
        }
    }

    [Fact]
    public async Task Every_answer_that_carries_a_secret_says_no_store_replays_included()
    {
        var created = await CreateEverySecretAsync();

        created.Answers.Count.ShouldBe(9, "tenant, API key, endpoint and rotation, each answered and replayed; the Stripe connection");
        foreach (var answer in created.Answers)
            (answer.Headers.CacheControl?.NoStore ?? false).ShouldBeTrue($"{answer.RequestMessage!.Method} {answer.RequestMessage.RequestUri!.AbsolutePath}");
    }

    private sealed record Created(List<string> Secrets, List<HttpResponseMessage> Answers);

    // Every secret WinBack is given or makes, each one answered twice when the endpoint is idempotent (a POST).
    private async Task<Created> CreateEverySecretAsync()
    {
        var created = new Created([WinBackApp.PlatformKey, StripeFake.SecretKey, StripeSigning.Secret], []);
        var tenant = await TwiceAsync(created, app.PlatformClient(), "/v1/tenants", new JsonObject { ["name"] = "secretive", ["mode"] = "test" });
        var keys = tenant.GetProperty("apiKeys").EnumerateArray().ToDictionary(k => k.GetProperty("scope").GetString()!, k => k.GetProperty("secret").GetString()!);
        created.Secrets.AddRange(keys.Values);
        var admin = app.ClientWithKey(keys["admin"]);

        var key = await TwiceAsync(created, admin, "/v1/api-keys", new JsonObject { ["scope"] = "ingest", ["description"] = "checkout" });
        created.Secrets.Add(key.GetProperty("secret").GetString()!);

        var endpoint = await TwiceAsync(created, admin, "/v1/webhook-endpoints",
            new JsonObject { ["url"] = "http://127.0.0.1:9/hook", ["events"] = new JsonArray("reward.issued") });
        created.Secrets.Add(endpoint.GetProperty("secret").GetString()!);
        var rotated = await TwiceAsync(created, admin, $"/v1/webhook-endpoints/{endpoint.GetProperty("id").GetString()}/rotate-secret", null);
        created.Secrets.Add(rotated.GetProperty("secret").GetString()!);

        var connect = await admin.PutAsync("/v1/integrations/stripe", RuleRequests.Json(new JsonObject
            { ["secretKey"] = StripeFake.SecretKey, ["webhookSigningSecret"] = StripeSigning.Secret }));
        await EngineRequests.ReadAsync(connect, 200);
        created.Answers.Add(connect);
        return created;
    }

    private static async Task<JsonElement> TwiceAsync(Created created, HttpClient client, string path, JsonObject? body)
    {
        var idempotencyKey = Guid.NewGuid().ToString();
        var answers = new List<string>();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : RuleRequests.Json(body) };
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            var response = await client.SendAsync(request);
            created.Answers.Add(response);
            ((int)response.StatusCode).ShouldBeOneOf(200, 201);
            answers.Add(await response.Content.ReadAsStringAsync());
        }
        created.Answers[^1].Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        answers[1].ShouldBe(answers[0], "the replay returns the original body, decrypted");
        return JsonDocument.Parse(answers[0]).RootElement;
    }

    // A secret as it could sit in a column: itself, JSON-escaped, base64 (standard and URL-safe) and hex of its bytes, and
    // the random part behind its prefix (wb_test_…, whsec_…, sk_test_…) in each of those forms.
    private static IEnumerable<string> Forms(string secret)
    {
        var random = secret[(secret.LastIndexOf('_') + 1)..];
        return new[] { secret, random }.SelectMany(s =>
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            var base64 = Convert.ToBase64String(bytes);
            return new[] { s, JsonSerializer.Serialize(s)[1..^1], base64, base64.TrimEnd('=').Replace('+', '-').Replace('/', '_'), Convert.ToHexString(bytes) };
        }).Where(form => form.Length >= 16).Distinct();
    }

    /// <summary>Every row of every table in every schema of the database, as "schema.table: row as text".</summary>
    internal static async Task<List<string>> DumpAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("""
            select quote_ident(table_schema) || '.' || quote_ident(table_name) from information_schema.tables
            where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
            """, connection))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));

        var rows = new List<string>();
        foreach (var table in tables)
        {
            await using var select = new NpgsqlCommand($"select t::text from {table} t", connection);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                rows.Add($"{table}: {reader.GetString(0)}");
        }
        return rows;
    }
}
