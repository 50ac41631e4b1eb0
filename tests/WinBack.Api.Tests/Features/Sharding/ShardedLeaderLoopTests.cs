using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Sharding;

/// <summary>Each background loop is led per shard: two processes share the (loop, shard) leases, and a survivor leads them all.</summary>
public sealed class ShardedLeaderLoopTests
{
    private static readonly string[] Shards = ["a", "b"];

    [Fact]
    public async Task Each_loop_has_exactly_one_leader_on_each_shard_and_once_one_process_is_gone_the_other_leads_both_shards()
    {
        var first = new ShardedWinBackApp();
        await first.InitializeAsync();
        await using var second = new SecondProcess(first.ConnectionString, first.ShardSettings);
        await second.InitializeAsync();

        await Eventually.TrueAsync(() => Pairs(first).All(pair => Leaders(pair, first, second) == 1),
            "one leader for every loop on every shard");
        Pairs(first).Count.ShouldBe(10, "five loops, two shards");

        await first.DisposeAsync();

        await Eventually.TrueAsync(() => Loops(second).All(loop => loop.LeadingShards.SequenceEqual(Shards)),
            "the remaining process leading every loop on both shards");
        var heartbeat = await Eventually.ReadAsync(async () => await Workers.OwnLoopsAsync(second), loops => loops.Count == 10, "its heartbeat naming them");
        heartbeat.ShouldContain("engine@a");
        heartbeat.ShouldContain("webhook-dispatcher@b");
    }

    private static IReadOnlyList<LeaderLoop> Loops(WinBackApp process) => process.Services.GetServices<IHostedService>().OfType<LeaderLoop>().ToList();

    private static IReadOnlyList<(string Loop, string Shard)> Pairs(WinBackApp process) =>
        Loops(process).SelectMany(loop => Shards.Select(shard => (loop.Name, shard))).ToList();

    private static int Leaders((string Loop, string Shard) pair, params WinBackApp[] processes) =>
        processes.Count(p => Loops(p).Single(l => l.Name == pair.Loop).LeadingShards.Contains(pair.Shard));
}

/// <summary>What GET /v1/platform/status says about workers.</summary>
internal static class Workers
{
    /// <summary>The loops this test process's worker row names (the in-process app's heartbeat).</summary>
    public static async Task<IReadOnlyList<string>> OwnLoopsAsync(WinBackApp process)
    {
        var id = process.Services.GetRequiredService<WorkerHeartbeat>().Id;
        using var platform = process.PlatformClient();
        var status = await platform.GetFromJsonAsync<JsonElement>("/v1/platform/status");
        return status.GetProperty("workers").EnumerateArray().Where(w => w.GetProperty("id").GetString() == id)
            .SelectMany(w => w.GetProperty("loops").EnumerateArray().Select(l => l.GetString()!)).ToList();
    }
}
