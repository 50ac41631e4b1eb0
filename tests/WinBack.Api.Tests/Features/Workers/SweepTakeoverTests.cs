using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WinBack.Api.Tests.Features.Workers;

/// <summary>
/// Real processes: the worker leading the engine is killed (SIGKILL) or stopped (SIGTERM) in the middle of a live tenant's
/// queued sweep of customers who all crossed an inactivity rule. The other worker takes the engine over and runs the sweep
/// again: every lapse is rewarded exactly once, none is dropped, and the sweep ends succeeded.
/// </summary>
[Collection(WorkerProcesses.Name)]
public sealed class SweepTakeoverTests(ITestOutputHelper output)
{
    private const int Customers = 2000;

    [Theory]
    [InlineData("SIGKILL")]
    [InlineData("SIGTERM")]
    public async Task A_live_sweep_rewards_every_lapse_once_when_the_engine_leader_is_killed(string signal)
    {
        await using var cluster = await WorkerCluster.StartAsync();
        var tenant = await cluster.CreateTenantAsync("live");
        var import = await WorkerCluster.UploadImportAsync(tenant, Customers);
        (await WorkerCluster.WaitForImportAsync(tenant, import)).GetProperty("imported").GetInt64().ShouldBe(Customers);
        await tenant.CreateActiveAsync(RuleRequests.Simple());
        var sweep = await (await tenant.Admin.PostAsync("/v1/sweeps", null)).ReadAsync();
        var sweepId = sweep.GetProperty("id").GetString()!;

        await ServiceProcess.WaitUntilAsync(async () => (await Rewards()) >= Customers / 4, TimeSpan.FromSeconds(60),
            "a quarter of the lapses rewarded by the first worker");
        var killedAt = await WorkerCluster.StopAsync(cluster.Leader, signal);
        var rewardedByTheFirst = await Rewards();
        rewardedByTheFirst.ShouldBeLessThan(Customers, "the signal must land in the middle of the sweep");
        await cluster.WaitUntilLeadsAsync(cluster.Standby, "engine@main");
        var tookOver = killedAt.Elapsed;
        await ServiceProcess.WaitUntilAsync(async () => (await Rewards()) > rewardedByTheFirst, TimeSpan.FromSeconds(30),
            "rewards going on after the signal");
        output.WriteLine($"{signal}: the engine was taken over {tookOver.TotalSeconds:F1} s after the signal and rewards went on after " +
                         $"{killedAt.Elapsed.TotalSeconds:F1} s (takeover poll 1 s); {rewardedByTheFirst} of {Customers} were rewarded before it.");

        JsonElement job = default;
        await ServiceProcess.WaitUntilAsync(async () =>
        {
            job = await tenant.Admin.GetFromJsonAsync<JsonElement>($"/v1/sweeps/{sweepId}");
            return job.GetProperty("status").GetString() is "succeeded" or "failed";
        }, TimeSpan.FromSeconds(60), "the sweep ended");
        job.GetProperty("status").GetString().ShouldBe("succeeded", job.ToString());
        (await cluster.EventsAsync(tenant.Id, "customer_lapsed")).ShouldBe((Customers, Customers), "one lapse per customer");
        (await cluster.EventsAsync(tenant.Id, "reward_issued")).ShouldBe((Customers, Customers), "one reward per lapse, none dropped");
        return;

        async Task<long> Rewards() => (await cluster.EventsAsync(tenant.Id, "reward_issued")).Events;
    }
}
