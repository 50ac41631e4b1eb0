using System.IO.Compression;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Sharding;

/// <summary>
/// A database made before sharding (one database, tenants and keys as documents, nothing partitioned) is upgraded in place
/// at the first start: its tenants, keys, customers, dedupe records, test clock, queued sweep and stored idempotent answers
/// all carry over (Fixtures/README.md says what the fixture holds).
/// </summary>
public sealed class Pre24UpgradeTests
{
    private const string TenantId = "ten_01m957wyxpc7xr4vhxvtq540ks";
    private const string Admin = "wb_test_a8f444a9ded205083d3edf58ee8794a403908f07eaaab4bc86867bc4a948ea59";
    private const string Ingest = "wb_test_ef59f1f7c1924a3608119a76cca244d4964af3378c78f3b6fdef76cd66482606";

    [Fact]
    public async Task A_database_from_before_sharding_starts_with_every_tenant_key_customer_clock_sweep_and_stored_answer_carried_over()
    {
        var connectionString = await TestDatabaseServer.CreateDatabaseAsync();
        await RestoreAsync(connectionString);

        await using var app = new SecondProcess(connectionString);
        await app.InitializeAsync();
        var tenant = new TestTenant(TenantId, app.ClientWithKey(Admin), app.ClientWithKey(Ingest),
            new WinBackApp.KeyCreated("", "admin", Admin, ""), new WinBackApp.KeyCreated("", "ingest", Ingest, ""));

        var customer = await tenant.CustomerAsync("cus_legacy");
        customer.GetProperty("orderCount").GetInt32().ShouldBe(1);
        customer.GetProperty("lifetimeValue")[0].GetProperty("amount").GetInt64().ShouldBe(4200);
        (await tenant.ReadClockAsync()).ShouldBe(DateTimeOffset.Parse("2027-01-15T00:00:00Z"));
        // The dedupe record came along: the same externalId is the same activity, not a second purchase.
        var again = await tenant.Ingest.PostAsync("/v1/customers/cus_legacy/activities", RuleRequests.Json(new JsonObject
            { ["type"] = "purchase", ["amount"] = 4200, ["currency"] = "eur", ["externalId"] = "order-1" }));
        ((int)again.StatusCode).ShouldBeInRange(200, 201, await again.Content.ReadAsStringAsync());
        (await tenant.CustomerAsync("cus_legacy")).GetProperty("orderCount").GetInt32().ShouldBe(1);
        // The queued sweep is found by the worker and runs.
        var sweeps = await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/sweeps/swp_01m957wzgjg21eyad1zaqrb21w"), 200);
        sweeps.GetProperty("id").GetString().ShouldBe("swp_01m957wzgjg21eyad1zaqrb21w");
        await Eventually.ReadAsync(async () => await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/sweeps/swp_01m957wzgjg21eyad1zaqrb21w"), 200),
            s => s.GetProperty("status").GetString() == "succeeded", "the queued sweep to run after the upgrade");
        // Keys are in the master now: listed, and new ones work.
        var keys = await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/api-keys?limit=100"), 200);
        keys.GetProperty("data").GetArrayLength().ShouldBe(3);
        // The stored answer kept its owner and key.
        (await ScalarAsync(connectionString, "select count(*) from winback.idempotency_key where owner = @t and key = 'legacy-key-1'")).ShouldBe(1L);
        (await ScalarAsync(connectionString, "select count(*) from winback.mt_tenant_assignments where tenant_id = @t and database_id = 'main'")).ShouldBe(1L);
        (await ScalarAsync(connectionString, "select count(*) from pg_class where relname in ('mt_doc_tenant', 'mt_doc_apikey', 'mt_doc_idempotencyrecord')")).ShouldBe(0L);

        // And a second start finds nothing left to upgrade.
        await app.DisposeAsync();
        await using var restarted = new SecondProcess(connectionString);
        await restarted.InitializeAsync();
        (await EngineRequests.ReadAsync(await restarted.ClientWithKey(Ingest).GetAsync("/v1/customers/cus_legacy"), 200))
            .GetProperty("orderCount").GetInt32().ShouldBe(1);
    }

    private static async Task RestoreAsync(string connectionString)
    {
        await using var resource = typeof(Pre24UpgradeTests).Assembly.GetManifestResourceStream("pre24.sql.gz")!;
        await using var gzip = new GZipStream(resource, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var dump = await reader.ReadToEndAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var restore = new NpgsqlCommand(dump, connection);
        await restore.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("t", TenantId);
        return await command.ExecuteScalarAsync();
    }
}
