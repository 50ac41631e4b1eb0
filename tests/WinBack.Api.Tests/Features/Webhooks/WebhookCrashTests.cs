using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;
using WinBack.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace WinBack.Api.Tests.Features.Webhooks;

public sealed class WebhookCrashTests
{
    [Fact]
    public async Task A_worker_stopped_between_sending_and_recording_causes_a_duplicate_with_the_same_id_never_a_loss()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var first = new WinBackApp();
        await first.InitializeAsync();
        var tenant = await first.CreateTenantAsync();
        var endpointId = (await tenant.CreateEndpointAsync(receiver.Url, "reward.issued")).GetProperty("id").GetString()!;
        receiver.Hold = new TaskCompletionSource();
        await tenant.IssueCreditAsync("cus_crash");
        await Eventually.TrueAsync(() => !receiver.Arrived.IsEmpty, "the request arrive");
        receiver.Arrived.Count.ShouldBe(1);

        // The worker goes away while the receiver holds the request: the send happened, its outcome was never recorded.
        await first.DisposeAsync();
        var hold = receiver.Hold;
        receiver.Hold = null;
        hold.SetResult();

        await using var second = new SecondProcess(first.ConnectionString);
        await second.InitializeAsync();
        var again = tenant with { Admin = second.ClientWithKey(tenant.AdminKey.Secret) };
        var delivery = (await again.WaitForDeliveriesAsync(endpointId, ds => ds.Length == 1 && ds[0].Status() == "succeeded", "the resend")).Single();
        delivery.Attempts().ShouldBe(1);
        receiver.Arrived.Count.ShouldBe(2);
        receiver.Arrived.Distinct().Count().ShouldBe(1); // the same webhook-id both times
        receiver.Received.Select(r => r.Body).Distinct().Count().ShouldBe(1);
    }

    [Fact]
    public async Task A_dispatcher_that_loses_its_lease_mid_attempt_sends_the_delivery_again_once_it_leads_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = new WinBackApp();
        await app.InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var endpointId = (await tenant.CreateEndpointAsync(receiver.Url, "*")).GetProperty("id").GetString()!;
        var hold = new TaskCompletionSource();
        receiver.Hold = hold;
        (await tenant.Admin.PostAsync($"/v1/webhook-endpoints/{endpointId}/test", null)).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(() => !receiver.Arrived.IsEmpty, "the ping arrive");
        receiver.Hold = null; // the first request stays held; the next is answered at once

        // The lease's session ends (a restarted database, a network cut): the loop stops and cancels the attempt under way.
        await TerminateDispatcherLeaseAsync(app);

        var delivery = (await tenant.WaitForDeliveriesAsync(endpointId, ds => ds.Length == 1 && ds[0].Status() == "succeeded",
            "the ping sent again by the next leadership")).Single();
        delivery.Attempts().ShouldBe(1, "the cancelled attempt has no outcome to record");
        receiver.Arrived.Count.ShouldBe(2);
        receiver.Arrived.Distinct().Count().ShouldBe(1); // the same webhook-id both times
        hold.SetResult();
    }

    private static async Task TerminateDispatcherLeaseAsync(WinBackApp app)
    {
        var shard = (await app.Services.GetRequiredService<ShardDatabases>().AllAsync()).Single();
        await using var connection = await Sql.OpenDatabaseAsync(shard.Database, CancellationToken.None);
        (await LockHolders.TerminateAsync(connection, LockKeys.Loop("webhook-dispatcher"))).ShouldBe(1L);
    }
}
