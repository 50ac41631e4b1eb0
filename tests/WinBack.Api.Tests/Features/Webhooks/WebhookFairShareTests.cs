using System.Diagnostics;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Webhooks;

/// <summary>Small shares, so that one tenant could fill every slot without them; attempts never time out on their own.</summary>
public sealed class FairShareApp : WinBackApp
{
    public const int MaxInFlight = 16;
    public const int PerTenant = 8;
    public const int PerEndpoint = 4;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["WinBack:Webhooks:MaxInFlight"] = $"{MaxInFlight}",
        ["WinBack:Webhooks:MaxInFlightPerTenant"] = $"{PerTenant}",
        ["WinBack:Webhooks:MaxInFlightPerEndpoint"] = $"{PerEndpoint}",
        ["WinBack:Webhooks:Timeout"] = "00:05:00",
    };
}

public sealed class WebhookFairShareTests(FairShareApp app) : IClassFixture<FairShareApp>
{
    [Fact]
    public async Task A_tenant_with_a_thousand_deliveries_held_by_a_slow_receiver_keeps_to_its_share_and_another_tenants_ping_arrives_within_a_second()
    {
        await using var slow = await WebhookReceiver.StartAsync();
        slow.Hold = new TaskCompletionSource(); // A's receiver answers nothing until the test ends
        await using var fast = await WebhookReceiver.StartAsync();

        // Tenant A: five endpoints (their own caps would allow 20 attempts, more than all 16 slots) and 1,000 pings, each due at once.
        var a = await app.CreateTenantAsync(name: "flood");
        var aEndpoints = new List<string>();
        for (var i = 0; i < 5; i++)
            aEndpoints.Add((await a.CreateEndpointAsync(slow.Url, "*")).GetProperty("id").GetString()!);
        var endpointOf = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var endpointId = aEndpoints[i % aEndpoints.Count];
            endpointOf[(await a.PingAsync(endpointId)).EventId()] = endpointId;
        });
        await Eventually.TrueAsync(() => slow.Arrived.Count >= FairShareApp.PerTenant, "A's share of attempts under way");

        // Tenant B pings its own receiver: its ping does not wait for any of A's to finish (none does), and arrives within a second.
        var b = await app.CreateTenantAsync(name: "bystander");
        var bEndpoint = (await b.CreateEndpointAsync(fast.Url, "*")).GetProperty("id").GetString()!;
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            var eventId = (await b.PingAsync(bEndpoint)).EventId();
            await Eventually.TrueAsync(() => fast.Arrived.Contains(eventId), "B's ping arrive");
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1), "B's ping, beside A's flood");
        }

        // A held exactly its tenant's share, and no endpoint more than its own, all the while.
        slow.Received.ShouldBeEmpty();
        slow.Arrived.Count.ShouldBe(FairShareApp.PerTenant);
        slow.Arrived.GroupBy(id => endpointOf[id]).ShouldAllBe(g => g.Count() <= FairShareApp.PerEndpoint);
    }
}
