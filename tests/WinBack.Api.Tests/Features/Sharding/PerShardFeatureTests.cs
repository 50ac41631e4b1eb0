using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Stripe;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Sharding;

/// <summary>
/// Every feature works the same for a tenant on either shard, and what it writes lands on that shard only: the tenant's
/// events, documents and hand-written tables are on its shard's server, and the other server holds none of its rows.
/// </summary>
public sealed class PerShardFeatureTests(ShardedStripeApp app) : IClassFixture<ShardedStripeApp>
{
    [Theory]
    [InlineData("a")]
    [InlineData("b")]
    public async Task A_tenant_on_either_shard_gets_activities_a_sweep_a_reward_a_report_a_webhook_and_a_stripe_credit_all_on_its_shard(string shard)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync(shard: shard);
        await StripeApp.ConnectAsync(tenant);
        var stripeCustomer = $"cus_Shard{shard.ToUpperInvariant()}";
        app.Fake.AddCustomer(stripeCustomer);
        await EngineRequests.ReadAsync(await tenant.Ingest.PutAsync("/v1/customers/c1", RuleRequests.Json(new JsonObject
            { ["stripeCustomerId"] = stripeCustomer })), 200);
        await tenant.CreateEndpointAsync(receiver.Url, "reward.issued");
        var start = await tenant.ReadClockAsync();
        await tenant.ActivityAsync("c1", "purchase", amount: 5000);
        await tenant.CreateActiveAsync(RuleRequests.Simple());

        await tenant.AdvanceAsync(start.AddDays(91)); // the test clock's sweep finds c1 lapsed
        var reward = (await Eventually.ReadAsync(() => tenant.RewardsAsync("c1"), r => r.Length == 1, "the reward")).Single();
        var rewardId = reward.GetProperty("id").GetString()!;
        await receiver.WaitForAsync(r => r.Any(w => w.Type == "reward.issued" && w.CustomerId == "c1"), "reward.issued for c1");
        await Eventually.TrueAsync(() => app.Fake.BalanceTransactions.Any(t => (string?)t["customer"] == stripeCustomer), "the credit in Stripe");
        await Eventually.ReadAsync(
            async () => await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/reports/reactivation?groupBy=rule"), 200),
            r => r.GetProperty("rows").GetArrayLength() == 1 && r.GetProperty("rows")[0].GetProperty("lapsed").GetInt64() == 1, "the lapse in the report");

        var other = shard == "a" ? "b" : "a";
        foreach (var table in new[] { "mt_events", "customer_summary", "webhook_event", "stripe_sync", "lapse_episode" })
        {
            (await RowsAsync(app.Shard(shard), table, tenant.Id)).ShouldBeGreaterThan(0, $"{table} on the tenant's shard {shard}");
            (await RowsAsync(app.Shard(other), table, tenant.Id)).ShouldBe(0, $"{table} on the other shard {other}");
        }
        (await RowsAsync(app.ConnectionString, "tenant", tenant.Id, "id")).ShouldBe(1, "the tenant's row in the master");
        rewardId.ShouldStartWith("rwd_");
    }

    [Fact]
    public async Task New_tenants_go_to_the_shard_with_the_fewest_tenants_and_an_unknown_shard_is_a_400()
    {
        using var platform = app.PlatformClient();
        var counts = new Dictionary<string, int> { ["a"] = await TenantsOnAsync("a"), ["b"] = await TenantsOnAsync("b") };
        for (var i = 0; i < 3; i++)
        {
            var expected = counts["a"] <= counts["b"] ? "a" : "b"; // ties go to the first name
            var created = await platform.PostAsJsonAsync("/v1/tenants", new { name = $"placed-{i}", mode = "test" });
            created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            (await created.Content.ReadFromJsonAsync<JsonObject>())!["shard"]!.GetValue<string>().ShouldBe(expected);
            counts[expected]++;
        }

        var unknown = await platform.PostAsJsonAsync("/v1/tenants", new { name = "nowhere", mode = "test", shard = "zz" });
        var problem = await unknown.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        problem.FieldErrors("shard").ShouldNotBeEmpty();
    }

    private async Task<int> TenantsOnAsync(string shard)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from winback.tenant where shard = @shard", connection);
        command.Parameters.AddWithValue("shard", shard);
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> RowsAsync(string connectionString, string table, string tenantId, string column = "tenant_id")
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand($"select to_regclass('winback.{table}') is not null", connection);
        if (!(bool)(await exists.ExecuteScalarAsync())!)
            return 0;
        await using var command = new NpgsqlCommand($"select count(*) from winback.{table} where {column} = @tenant", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
