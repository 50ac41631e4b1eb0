using WinBack.Api.Infrastructure.Sharding;
using System.Net;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Platform;

/// <summary>GET /v1/platform/status: the operator sees the live workers, the projections and the queues.</summary>
public sealed class PlatformStatusTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private string OwnWorkerId => app.Services.GetRequiredService<WorkerHeartbeat>().Id;

    [Fact]
    public async Task Lists_this_process_as_the_leading_worker_and_the_projections_with_their_sequence()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.ActivityAsync("cus_status", "login");

        var status = await Eventually.ReadAsync(StatusAsync, s =>
            Worker(s, OwnWorkerId) is { } w && w.GetProperty("leader").GetBoolean() && Loops(w).Length == 5
            && Projections(s).Any(p => p.GetProperty("name").GetString()!.StartsWith("webhook_outbox") && p.GetProperty("sequence").GetInt64() > 0),
            "this process leading the daemon and the loops, and the webhook outbox past the first event");

        var own = Worker(status, OwnWorkerId)!.Value;
        own.GetProperty("pid").GetInt32().ShouldBe(Environment.ProcessId);
        own.GetProperty("host").GetString().ShouldBe(Environment.MachineName);
        Loops(own).ShouldBe(["backtest@main", "engine@main", "risk@main", "stripe-sync@main", "webhook-dispatcher@main"]); // each loop on the one shard
        foreach (var projection in Projections(status))
        {
            projection.GetProperty("sequence").GetInt64().ShouldBeLessThanOrEqualTo(projection.GetProperty("highWaterMark").GetInt64());
            projection.GetProperty("lagSeconds").GetDouble().ShouldBeGreaterThanOrEqualTo(0);
        }
        Projections(status).ShouldNotContain(p => p.GetProperty("name").GetString()!.StartsWith("HighWater"), "the daemon's own rows are not projections");
        var shard = status.GetProperty("shards").EnumerateArray().ShouldHaveSingleItem(); // with no shards configured, the master is the one
        shard.GetProperty("name").GetString().ShouldBe("main");
        shard.GetProperty("healthy").GetBoolean().ShouldBeTrue();
        shard.GetProperty("tenants").GetInt64().ShouldBeGreaterThanOrEqualTo(1);
        shard.GetProperty("sizeBytes").GetInt64().ShouldBeGreaterThan(0);
        shard.GetProperty("projections").GetArrayLength().ShouldBe(Projections(status).Length);
    }

    [Fact]
    public async Task A_ping_to_a_receiver_that_is_down_shows_as_a_pending_delivery()
    {
        var tenant = await app.CreateTenantAsync();
        var before = Webhooks(await StatusAsync()).GetProperty("pending").GetInt64();
        // Nothing listens on port 9: the attempt fails and the delivery waits for its retry (the test clock stands still).
        var endpointId = (await tenant.CreateEndpointAsync("http://127.0.0.1:9/hooks", "*")).GetProperty("id").GetString()!;
        (await tenant.Admin.PostAsync($"/v1/webhook-endpoints/{endpointId}/test", null)).EnsureSuccessStatusCode();

        var status = await StatusAsync();
        Webhooks(status).GetProperty("pending").GetInt64().ShouldBe(before + 1);
        var queues = status.GetProperty("queues");
        queues.GetProperty("stripeSyncsPending").GetInt64().ShouldBe(0);
        queues.GetProperty("sweepsQueued").GetInt64().ShouldBe(0);
        queues.GetProperty("imports").GetProperty("running").GetInt64().ShouldBe(0);
        status.GetProperty("parked").ValueKind.ShouldBe(JsonValueKind.Object);
    }

    [Fact]
    public async Task Only_the_platform_key_may_read_it()
    {
        var tenant = await app.CreateTenantAsync();
        (await app.CreateClient().GetAsync("/v1/platform/status")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await tenant.Admin.GetAsync("/v1/platform/status")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await tenant.Ingest.GetAsync("/v1/platform/status")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_second_process_is_a_second_worker_that_leads_nothing_and_leaves_the_list_when_it_stops()
    {
        var second = new SecondProcess(app.ConnectionString);
        await second.InitializeAsync();
        var secondId = second.Services.GetRequiredService<WorkerHeartbeat>().Id;

        var status = await Eventually.ReadAsync(StatusAsync, s => Worker(s, secondId) is not null && Worker(s, OwnWorkerId) is not null,
            "both processes listed");
        var other = Worker(status, secondId)!.Value;
        other.GetProperty("leader").GetBoolean().ShouldBeFalse();
        Loops(other).ShouldBeEmpty();

        await second.DisposeAsync();
        await Eventually.ReadAsync(StatusAsync, s => Worker(s, secondId) is null, "the stopped process gone from the list");
    }

    [Fact]
    public async Task A_worker_not_heard_from_within_the_takeover_time_is_not_listed()
    {
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await using (var connection = await Sql.OpenPlatformAsync(app.Services.GetRequiredService<PlatformDatabase>(), CancellationToken.None))
        await using (var insert = Sql.Command(connection, $"""
            insert into {WorkerNodes.TableName} (id, pid, host, started_at, last_seen_at, leader, loops) values
              ('quiet', 1, 'h', now() - interval '1 minute', now() - interval '20 seconds', false, array[]::text[]),
              ('dead', 2, 'h', now() - interval '1 minute', now() - interval '31 seconds', true, array['engine'])
            """))
            await insert.ExecuteNonQueryAsync();

        var status = await StatusAsync();
        Worker(status, "quiet").ShouldNotBeNull("heard from 20 s ago, within the 30 s takeover time");
        Worker(status, "dead").ShouldBeNull("silent for 31 s: taken for dead");
    }

    private async Task<JsonElement> StatusAsync() => await EngineRequests.ReadAsync(await app.PlatformClient().GetAsync("/v1/platform/status"), 200);

    private static JsonElement? Worker(JsonElement status, string id) =>
        status.GetProperty("workers").EnumerateArray().Where(w => w.GetProperty("id").GetString() == id).Cast<JsonElement?>().FirstOrDefault();

    private static string[] Loops(JsonElement worker) => worker.GetProperty("loops").EnumerateArray().Select(l => l.GetString()!).ToArray();

    private static JsonElement[] Projections(JsonElement status) => status.GetProperty("projections").EnumerateArray().ToArray();

    private static JsonElement Webhooks(JsonElement status) => status.GetProperty("queues").GetProperty("webhooks");
}
