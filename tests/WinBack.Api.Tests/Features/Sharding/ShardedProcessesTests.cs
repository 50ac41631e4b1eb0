using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Sharding;

/// <summary>
/// A worker process that was running before a tenant existed serves that tenant's background work on its shard: Marten's
/// per-process map of tenants to shards is no source of truth for WinBack, and a tenant created by an API process on
/// another host is not lost on a worker that has never heard of it.
/// </summary>
public sealed class ShardedProcessesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("b")]
    public async Task A_tenant_created_on_an_api_process_gets_its_webhooks_from_a_worker_that_started_before_it(string shard)
    {
        // The only worker, started first; the API process serves no background work.
        await using var worker = new ShardedWorker();
        await worker.InitializeAsync();
        await using var api = new SecondProcess(worker.ConnectionString, Role(worker.ShardSettings, "api"));
        await api.InitializeAsync();
        await using var receiver = await WebhookReceiver.StartAsync();

        var tenant = await api.CreateTenantAsync(shard: shard);
        await tenant.CreateEndpointAsync(receiver.Url, "reward.issued");
        await tenant.IssueCreditAsync("c1", 700);

        var delivered = await receiver.WaitForAsync(r => r.Any(w => w.Type == "reward.issued"), "reward.issued from the worker");
        delivered.Single(w => w.Type == "reward.issued").CustomerId.ShouldBe("c1");
    }

    public sealed class ShardedWorker : ShardedWinBackApp
    {
        protected override IReadOnlyDictionary<string, string> Settings => Role(ShardSettings, "worker");
    }

    private static Dictionary<string, string> Role(IReadOnlyDictionary<string, string> settings, string role) =>
        new(settings) { ["WinBack:Role"] = role };
}
