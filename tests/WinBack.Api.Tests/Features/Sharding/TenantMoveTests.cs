using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Stripe;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;
using Xunit.Abstractions;
using static WinBack.Api.Tests.Features.Sharding.ShardRows;

namespace WinBack.Api.Tests.Features.Sharding;

/// <summary>
/// Moving a tenant from shard a to shard b (#24) through the API, with writers and readers at work: every acknowledged
/// activity lands on b once, writes during the freeze get 503 tenant_moving with Retry-After and succeed when retried,
/// reads never fail, no webhook and no Stripe call goes out twice, the source keeps no row of the tenant, and the tenant's
/// work goes on from b.
/// </summary>
public sealed class TenantMoveTests(TenantMoveTests.MoveApp app, ITestOutputHelper output) : IClassFixture<TenantMoveTests.MoveApp>
{
    [Fact]
    public async Task A_tenant_moved_under_write_load_keeps_every_acknowledged_activity_once_and_sends_nothing_twice()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync(name: "moving", shard: "a");
        await StripeApp.ConnectAsync(tenant);
        app.Fake.AddCustomer("cus_Moving1");
        await EngineRequests.ReadAsync(await tenant.Ingest.PutAsync("/v1/customers/c1", RuleRequests.Json(new JsonObject { ["stripeCustomerId"] = "cus_Moving1" })), 200);
        await tenant.CreateEndpointAsync(receiver.Url, "*");
        var start = await tenant.ReadClockAsync();
        await tenant.ActivityAsync("c1", "purchase", amount: 5000);
        await tenant.ActivityAsync("c2", "purchase", amount: 3000);
        await tenant.CreateActiveAsync(RuleRequests.Simple());
        await tenant.AdvanceAsync(start.AddDays(91));
        await Eventually.TrueAsync(() => app.Fake.BalanceTransactions.Any(t => (string?)t["customer"] == "cus_Moving1"), "c1's credit in Stripe");
        await receiver.WaitForAsync(r => r.Count(w => w.Type == "reward.issued") == 2, "both rewards announced");

        using var stop = new CancellationTokenSource();
        var acknowledged = new ConcurrentBag<string>();
        var refused = new ConcurrentBag<HttpResponseMessage>();
        var writers = Enumerable.Range(0, 4).Select(w => WriteAsync(tenant, w, acknowledged, refused, stop.Token)).ToList();
        var readFailures = 0;
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
                if ((await tenant.Ingest.GetAsync("/v1/customers/c1")).StatusCode != HttpStatusCode.OK)
                    Interlocked.Increment(ref readFailures);
        });
        await Eventually.TrueAsync(() => acknowledged.Count >= 20 || writers.Any(w => w.IsFaulted), "the writers under way");
        await Task.WhenAll(writers.Where(w => w.IsFaulted)); // a writer's surprise fails the test with its own message

        using var platform = app.PlatformClient();
        var asked = await platform.PostAsJsonAsync($"/v1/platform/tenants/{tenant.Id}/move", new { toShard = "b" });
        asked.StatusCode.ShouldBe(HttpStatusCode.Accepted, await asked.Content.ReadAsStringAsync());
        var location = asked.Headers.Location!.ToString();
        location.ShouldStartWith("/v1/platform/tenant-moves/mov_");
        var seen = new List<string>();
        var move = await Eventually.ReadAsync(async () =>
        {
            var m = await platform.GetFromJsonAsync<JsonElement>(location);
            seen.Add($"{m.GetProperty("status").GetString()}/{m.GetProperty("step").GetString()}");
            return m;
        }, m => m.GetProperty("status").GetString() is "succeeded" or "rolled_back" or "failed", "the move finished", TimeSpan.FromSeconds(120));
        await Eventually.TrueAsync(() => acknowledged.Count >= 40, "writes after the move");
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        await reader;
        output.WriteLine($"steps seen: {string.Join(" ", seen.Distinct())}");
        output.WriteLine($"move: {move}");
        output.WriteLine($"acknowledged {acknowledged.Count}, refused while moving {refused.Count}, failed reads {readFailures}");

        move.GetProperty("status").GetString().ShouldBe("succeeded", move.ToString());
        move.GetProperty("freezeMs").GetInt64().ShouldBeGreaterThan(0);
        move.GetProperty("counts").EnumerateObject().ShouldAllBe(c => c.Value.GetProperty("equal").GetBoolean(), "every table verified equal");
        (await MasterShardAsync(app.ConnectionString, tenant.Id)).ShouldBe("b");
        readFailures.ShouldBe(0, "reads are served throughout");
        refused.ShouldNotBeEmpty("writes during the freeze are refused at once");
        foreach (var response in refused)
        {
            await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "tenant_moving");
            response.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(1));
        }

        // Every acknowledged activity is on b, once; a holds nothing of the tenant any more (its fence stays).
        var onB = await ExternalIdsAsync(app.Shard("b"), tenant.Id);
        onB.Where(id => id.StartsWith("w", StringComparison.Ordinal)).GroupBy(id => id).ShouldAllBe(g => g.Count() == 1, "no activity doubled");
        acknowledged.Except(onB).ShouldBeEmpty("no acknowledged activity lost");
        (await CountsAsync(app.Shard("a"), tenant.Id)).Where(c => c.Value > 0 && c.Key != "winback.tenant_fence").ShouldBeEmpty();

        // The tenant's work goes on from b: a new lapse is rewarded, announced once and credited once.
        await EngineRequests.ReadAsync(await tenant.Ingest.PutAsync("/v1/customers/c9", RuleRequests.Json(new JsonObject { ["stripeCustomerId"] = "cus_Moving9" })), 200);
        app.Fake.AddCustomer("cus_Moving9");
        var now = await tenant.ReadClockAsync();
        await tenant.ActivityAsync("c9", "purchase", amount: 5000, at: now);
        await tenant.AdvanceAsync(now.AddDays(91));
        await receiver.WaitForAsync(r => r.Any(w => w.Type == "reward.issued" && w.CustomerId == "c9"), "c9's reward announced from b");
        await Eventually.TrueAsync(() => app.Fake.BalanceTransactions.Any(t => (string?)t["customer"] == "cus_Moving9"), "c9's credit from b");
        await Task.Delay(1000); // anything sent twice would arrive now
        receiver.Received.GroupBy(w => w.Id).ShouldAllBe(g => g.Count() == 1, "no webhook sent twice");
        app.Fake.Calls.Where(c => c.Method == "POST" && c.IdempotencyKey is not null && c.Status < 300)
            .GroupBy(c => c.IdempotencyKey).ShouldAllBe(g => g.Count() == 1, "no Stripe call pushed twice");
    }

    [Fact]
    public async Task A_move_is_refused_with_400_without_a_known_target_404_for_an_unknown_tenant_and_409_to_its_own_shard()
    {
        var tenant = await app.CreateTenantAsync(name: "stays", shard: "a");
        using var platform = app.PlatformClient();
        foreach (object body in new object[] { new { }, new { toShard = "z" }, new { toShard = "" } })
            (await (await platform.PostAsJsonAsync($"/v1/platform/tenants/{tenant.Id}/move", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))
                .FieldErrors("toShard").ShouldNotBeEmpty();
        await (await platform.PostAsJsonAsync("/v1/platform/tenants/ten_nobody/move", new { toShard = "b" })).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        await (await platform.PostAsJsonAsync($"/v1/platform/tenants/{tenant.Id}/move", new { toShard = "a" })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "move_conflict");
        await (await platform.GetAsync("/v1/platform/tenant-moves/mov_nothing")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        // A tenant's key cannot move anyone.
        (await tenant.Admin.PostAsJsonAsync($"/v1/platform/tenants/{tenant.Id}/move", new { toShard = "b" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    // Posts activities with an Idempotency-Key and an externalId each; a 503 is retried with the same key, as a client would.
    private static async Task WriteAsync(TestTenant tenant, int writer, ConcurrentBag<string> acknowledged, ConcurrentBag<HttpResponseMessage> refused,
        CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var id = $"w{writer}-{n}";
            while (true)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/customers/{id}/activities")
                    { Content = JsonContent.Create(new { type = "login", externalId = id }) };
                request.Headers.Add("Idempotency-Key", id);
                var response = await tenant.Ingest.SendAsync(request, CancellationToken.None);
                if (response.IsSuccessStatusCode)
                {
                    acknowledged.Add(id);
                    break;
                }
                // Refused during the freeze; or, right after the flip, the key of a request refused at the source is still open
                // on the target until the move settles (the client is told to retry shortly, and does).
                if (response.StatusCode == HttpStatusCode.Conflict)
                    await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "idempotency_key_in_use");
                else
                {
                    response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, await response.Content.ReadAsStringAsync());
                    refused.Add(response);
                }
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }

    private static async Task<List<string>> ExternalIdsAsync(string shard, string tenantId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(shard);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select data->>'externalId' from winback.mt_events where tenant_id = @t and data->>'externalId' is not null", connection);
        command.Parameters.AddWithValue("t", tenantId);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            ids.Add(reader.GetString(0));
        return ids;
    }

    /// <summary>Two shards on two servers, a Stripe fake, and moves that settle quickly (the receivers here answer at once).</summary>
    public sealed class MoveApp : ShardedStripeApp
    {
        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
        {
            ["WinBack:Moves:SettleAfter"] = "00:00:03",
            ["WinBack:Webhooks:Timeout"] = "00:00:02",
        };
    }
}
