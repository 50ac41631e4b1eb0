using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Reports;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Dashboard.Tests;

/// <summary>
/// A test tenant played through the API only: an A/B rule with a holdout and a budget, a draft rule, 60 customers who lapse on day 30, treated ones returning
/// more often than the holdout, and the test clock advanced past the expiry of
/// variant A's rewards (B's still run).
/// </summary>
internal static class DashboardSeed
{
    public const int Customers = 60;

    public static async Task<TestTenant> PlayAsync(WinBackApp app)
    {
        var tenant = await app.CreateTenantAsync(mode: "test", name: "dashboard");
        var start = (await GetAsync(tenant.Admin, "/v1/test-clock")).GetProperty("now").GetDateTimeOffset();
        var rule = await PostAsync(tenant.Admin, "/v1/rules", JsonNode.Parse("""
            {
              "name": "30 days quiet, A/B", "priority": 10, "attributionDays": 60,
              "trigger": { "type": "inactivity", "days": 30 },
              "reward": { "type": "account_credit", "amount": 1000, "currency": "eur", "expiresInDays": 14 },
              "limits": { "totalBudget": { "amount": 100000, "currency": "eur" } },
              "experiment": { "holdoutPercent": 30, "variants": [
                { "name": "A", "weight": 50 },
                { "name": "B", "weight": 50, "reward": { "type": "account_credit", "amount": 2000, "currency": "eur", "expiresInDays": 30 } } ] }
            }
            """)!, 201);
        var ruleId = rule.GetProperty("id").GetString()!;
        await PostAsync(tenant.Admin, $"/v1/rules/{ruleId}/activate", new JsonObject(), 200);
        await PostAsync(tenant.Admin, "/v1/rules", JsonNode.Parse("""
            { "name": "Cancelled 14 days (draft)", "trigger": { "type": "cancellation", "days": 14 },
              "reward": { "type": "percent_discount", "percent": 20, "uses": 1, "expiresInDays": 30 },
              "experiment": { "holdoutPercent": 20 } }
            """)!, 201);

        var ids = Enumerable.Range(0, Customers).Select(i => $"c{i:D2}").ToList();
        await BatchAsync(tenant, ids, 1500);
        await AdvanceAsync(tenant, start.AddDays(31));
        var holdout = new HashSet<string>();
        foreach (var id in ids)
        {
            var events = (await GetAsync(tenant.Ingest, $"/v1/customers/{id}/events?limit=100")).GetProperty("data").EnumerateArray();
            var lapse = events.Single(e => e.GetProperty("type").GetString() == "customer_lapsed");
            if (lapse.GetProperty("data").GetProperty("variant").GetString() == "holdout")
                holdout.Add(id);
        }
        // Three in five treated customers come back, one in five of the holdout.
        var returning = ids.Where((id, i) => holdout.Contains(id) ? i % 5 == 0 : i % 5 < 3).ToList();
        await AdvanceAsync(tenant, start.AddDays(36));
        await BatchAsync(tenant, returning, 3000);
        await AdvanceAsync(tenant, start.AddDays(50));
        await app.ReportsCaughtUpAsync();
        return tenant;
    }

    /// <summary>
    /// A webhook endpoint whose receiver is not there, and one delivery to it (a goodwill credit) that has failed all its
    /// attempts: the wall clock is moved to each retry in turn. Returns the endpoint's and the delivery's ids.
    /// </summary>
    public static async Task<(string EndpointId, string DeliveryId)> FailedDeliveryAsync(WinBackApp app, TestTenant tenant)
    {
        var endpointId = (await PostAsync(tenant.Admin, "/v1/webhook-endpoints", new JsonObject
        {
            ["url"] = $"http://127.0.0.1:{ClosedPort()}/hooks", ["events"] = new JsonArray("reward.issued"), ["description"] = "CRM sync (down)",
        }, 201)).GetProperty("id").GetString()!;
        await PostAsync(tenant.Admin, "/v1/customers/c00/rewards", new JsonObject
        {
            ["reward"] = new JsonObject { ["type"] = "account_credit", ["amount"] = 500, ["currency"] = "eur", ["expiresInDays"] = 30 },
            ["note"] = "goodwill",
        }, 201);
        var attempts = 0;
        while (true)
        {
            var delivery = (await Eventually.ReadAsync(() => DeliveriesAsync(tenant, endpointId),
                ds => ds.Length == 1 && ds[0].GetProperty("attempts").GetInt32() > attempts, $"attempt {attempts + 1} of the delivery"))[0];
            if (delivery.GetProperty("status").GetString() == "failed")
                return (endpointId, delivery.GetProperty("id").GetString()!);
            attempts = delivery.GetProperty("attempts").GetInt32();
            attempts.ShouldBeLessThan(20, "the delivery should have failed by now");
            app.Clock.SetUtcNow(delivery.GetProperty("nextAttemptAt").GetDateTimeOffset());
        }
    }

    public static async Task<JsonElement[]> DeliveriesAsync(TestTenant tenant, string endpointId) =>
        [.. (await GetAsync(tenant.Admin, $"/v1/webhook-endpoints/{endpointId}/deliveries?limit=10")).GetProperty("data").EnumerateArray()];

    public static async Task<JsonElement> GetAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"GET {url}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> PostAsync(HttpClient client, string url, JsonNode body, int status)
    {
        var response = await client.PostAsync(url, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, $"POST {url}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task<JsonElement> AdvanceAsync(TestTenant tenant, DateTimeOffset to) =>
        PostAsync(tenant.Admin, "/v1/test-clock/advance", new JsonObject { ["to"] = to.ToString("O") }, 200);

    private static async Task BatchAsync(TestTenant tenant, IEnumerable<string> customers, long amount)
    {
        var activities = new JsonArray([.. customers.Select(id => (JsonNode)new JsonObject
            { ["customerId"] = id, ["type"] = "purchase", ["amount"] = amount, ["currency"] = "eur" })]);
        var response = await tenant.Ingest.PostAsJsonAsync("/v1/activities/batch", new JsonObject { ["activities"] = activities });
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    // A port nothing listens on: the endpoint's deliveries fail with connection refused.
    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
