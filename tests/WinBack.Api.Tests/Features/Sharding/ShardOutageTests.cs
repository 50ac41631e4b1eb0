using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WinBack.Api.Tests.Features.Sharding;

/// <summary>
/// Shard b on a PostgreSQL cluster of its own, which the test stops: only b's tenants get 503 (with Retry-After), shard a's
/// tenants and background work go on, the platform status lists b as unhealthy, and b's work resumes once it is back.
/// </summary>
public sealed class ShardOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_stopped_shard_answers_503_for_its_tenants_only_while_the_other_shard_goes_on_and_its_work_resumes_once_back()
    {
        await using var b = await OwnCluster.StartAsync();
        await using var app = new OwnShardBApp(b.ConnectionString);
        await app.InitializeAsync();
        await using var aReceiver = await WebhookReceiver.StartAsync();
        await using var bReceiver = await WebhookReceiver.StartAsync();
        var onA = await app.CreateTenantAsync(shard: "a", name: "on-a");
        var onB = await app.CreateTenantAsync(shard: "b", name: "on-b");
        await onA.CreateEndpointAsync(aReceiver.Url, "reward.issued");
        await onA.ActivityAsync("c1", "purchase", amount: 5000);
        await onA.CreateActiveAsync(RuleRequests.Simple());
        await onB.ActivityAsync("c1", "purchase", amount: 5000);
        // A delivery of b's queued before the outage: its receiver refuses it, so it waits for a retry.
        bReceiver.Answer = _ => 500;
        var bEndpoint = (await onB.CreateEndpointAsync(bReceiver.Url, "*")).GetProperty("id").GetString()!;
        (await onB.Admin.PostAsync($"/v1/webhook-endpoints/{bEndpoint}/test", null)).EnsureSuccessStatusCode();
        await onB.WaitForDeliveriesAsync(bEndpoint, ds => ds.Length == 1 && ds[0].Attempts() == 1, "b's ping refused once, and its attempt recorded");

        await b.StopAsync();

        var watch = Stopwatch.StartNew();
        var read = await onB.Ingest.GetAsync("/v1/customers/c1");
        output.WriteLine($"b's first read while b is down: {(int)read.StatusCode} after {watch.ElapsedMilliseconds} ms");
        await read.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
        read.Headers.RetryAfter.ShouldNotBeNull();
        watch.Restart();
        var write = await onB.Ingest.PostAsync("/v1/customers/c1/activities", RuleRequests.Json(new System.Text.Json.Nodes.JsonObject { ["type"] = "login" }));
        output.WriteLine($"b's write while b is down: {(int)write.StatusCode} after {watch.ElapsedMilliseconds} ms");
        await write.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
        write.Headers.RetryAfter.ShouldNotBeNull();

        // Shard a's tenant: its requests, its sweep and its webhook go on.
        await onA.ActivityAsync("c2", "login");
        await onA.AdvanceAsync((await onA.ReadClockAsync()).AddDays(91));
        (await Eventually.ReadAsync(() => onA.RewardsAsync("c1"), r => r.Length == 1, "a's reward")).ShouldHaveSingleItem();
        await aReceiver.WaitForAsync(r => r.Any(w => w.Type == "reward.issued" && w.CustomerId == "c1"), "a's reward.issued webhook");

        using var platform = app.PlatformClient();
        var status = await platform.GetFromJsonAsync<JsonElement>("/v1/platform/status");
        var shards = status.GetProperty("shards").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        shards["a"].GetProperty("healthy").GetBoolean().ShouldBeTrue();
        shards["b"].GetProperty("healthy").GetBoolean().ShouldBeFalse();
        shards["b"].GetProperty("error").GetString().ShouldNotBeNullOrWhiteSpace();
        shards["b"].GetProperty("tenants").GetInt64().ShouldBe(1, "the master still knows b's tenants");

        await b.StartAgainAsync();

        await Eventually.ReadAsync(async () => (await onB.Ingest.GetAsync("/v1/customers/c1")).StatusCode, s => s == HttpStatusCode.OK, "b's tenant served again");
        bReceiver.Answer = _ => 200;
        app.Clock.Advance(TimeSpan.FromMinutes(1)); // the refused ping's retry falls due (5 s after its attempt)
        await bReceiver.WaitForAsync(r => r.Any(w => w.AnsweredWith == 200), "b's queued ping delivered after the restart");
        await Eventually.ReadAsync(async () => await platform.GetFromJsonAsync<JsonElement>("/v1/platform/status"),
            s => s.GetProperty("shards").EnumerateArray().All(x => x.GetProperty("healthy").GetBoolean()), "both shards healthy again");
    }

    [Fact]
    public async Task A_worker_that_starts_while_a_shard_is_down_runs_the_other_shards_loops_and_projections()
    {
        await using var b = await OwnCluster.StartAsync();
        var first = new OwnShardBApp(b.ConnectionString);
        await first.InitializeAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var onA = await first.CreateTenantAsync(shard: "a", name: "on-a");
        await onA.CreateEndpointAsync(receiver.Url, "reward.issued");
        await onA.ActivityAsync("c1", "purchase", amount: 5000);
        await onA.CreateActiveAsync(RuleRequests.Simple());

        await b.StopAsync();
        await using var second = new SecondProcess(first.ConnectionString, first.ShardSettings);
        await second.InitializeAsync();
        await first.DisposeAsync();

        var loops = await Eventually.ReadAsync(() => Workers.OwnLoopsAsync(second), l => l.Count(x => x.EndsWith("@a")) == 5,
            "the new worker leading every loop of shard a");
        loops.ShouldNotContain(l => l.EndsWith("@b"), "nobody leads on a shard that is down");
        var tenant = onA.On(second);
        await tenant.AdvanceAsync((await tenant.ReadClockAsync()).AddDays(91));
        await receiver.WaitForAsync(r => r.Any(w => w.Type == "reward.issued" && w.CustomerId == "c1"),
            "a's reward.issued webhook, through a's outbox subscription and dispatcher on the new worker");
    }

    /// <summary>The sharded app with shard b on a cluster the test owns.</summary>
    private sealed class OwnShardBApp(string shardB) : ShardedWinBackApp
    {
        protected override Task<string> ShardBAsync() => Task.FromResult(shardB);
    }
}
