using System.Net;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Stripe;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WinBack.Api.Tests.Features.Workers;

/// <summary>
/// Real processes: the worker leading the Stripe sender is killed (SIGKILL) or stopped (SIGTERM) while it credits a slow
/// Stripe (the fake answers each call 10 ms after doing it). The other worker takes over: every reward is credited exactly
/// once, and the only call sent twice is the one in flight at the signal, with its idempotency key.
/// </summary>
[Collection(WorkerProcesses.Name)]
public sealed class StripeTakeoverTests(ITestOutputHelper output)
{
    private const int Credits = 200;

    [Theory]
    [InlineData("SIGKILL")]
    [InlineData("SIGTERM")]
    public async Task Every_reward_is_credited_once_when_the_stripe_sender_is_killed(string signal)
    {
        await using var fake = await StripeFake.StartAsync();
        fake.Delay = TimeSpan.FromMilliseconds(10);
        await using var cluster = await WorkerCluster.StartAsync(new Dictionary<string, string> { ["WinBack__Stripe__ApiBase"] = fake.ApiBase });
        var tenant = await cluster.CreateTenantAsync("test");
        await StripeApp.ConnectAsync(tenant);
        var rewardIds = new List<string>();
        foreach (var chunk in Enumerable.Range(1, Credits).Chunk(20))
            rewardIds.AddRange(await Task.WhenAll(chunk.Select(async n =>
            {
                fake.AddCustomer($"cus_S{n}");
                (await tenant.Ingest.PutAsync($"/v1/customers/c{n}", RuleRequests.Json(new JsonObject { ["stripeCustomerId"] = $"cus_S{n}" })))
                    .StatusCode.ShouldBe(HttpStatusCode.OK);
                return await tenant.IssueCreditAsync($"c{n}");
            })));

        await ServiceProcess.WaitUntilAsync(() => Task.FromResult(fake.BalanceTransactions.Count >= Credits / 4), TimeSpan.FromSeconds(60),
            "a quarter of the credits sent by the first worker");
        var killedAt = await WorkerCluster.StopAsync(cluster.Leader, signal);
        var creditedByTheFirst = fake.BalanceTransactions.Count;
        creditedByTheFirst.ShouldBeLessThan(Credits, "the signal must land in the middle of the credits");
        await cluster.WaitUntilLeadsAsync(cluster.Standby, "stripe-sync@main");
        var tookOver = killedAt.Elapsed;
        await ServiceProcess.WaitUntilAsync(() => Task.FromResult(fake.BalanceTransactions.Count > creditedByTheFirst), TimeSpan.FromSeconds(30),
            "credits going on after the signal");
        output.WriteLine($"{signal}: the Stripe sender was taken over {tookOver.TotalSeconds:F1} s after the signal and credits went on after " +
                         $"{killedAt.Elapsed.TotalSeconds:F1} s (takeover poll 1 s); {creditedByTheFirst} of {Credits} were credited before it.");
        await ServiceProcess.WaitUntilAsync(async () => (await cluster.EventsAsync(tenant.Id, "reward_synced_to_stripe")).Events >= Credits,
            TimeSpan.FromSeconds(60), "every credit recorded as synced");

        // What the fake created: one balance transaction per reward, each for a different reward.
        fake.BalanceTransactions.Select(t => (string)t["metadata"]!["rewardId"]!).Order().ShouldBe(rewardIds.Order(), "one credit per reward");
        // What was sent: the fake replays a repeated key, so count the calls too. Only the call in flight at the signal may go twice.
        var posts = fake.Calls.Where(c => c is { Method: "POST" } && c.Path.EndsWith("/balance_transactions", StringComparison.Ordinal)).ToList();
        posts.Select(c => c.IdempotencyKey).Distinct().Count().ShouldBe(Credits);
        (posts.Count - Credits).ShouldBeLessThanOrEqualTo(1, "a credit is sent again only if it was in flight at the signal");
        (await cluster.EventsAsync(tenant.Id, "reward_synced_to_stripe")).ShouldBe((Credits, Credits), "each credit recorded once");
        output.WriteLine($"{posts.Count - Credits} call sent twice (in flight at the signal).");
    }
}
