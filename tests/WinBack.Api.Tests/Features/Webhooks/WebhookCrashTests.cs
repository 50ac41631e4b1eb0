using WinBack.Api.Tests.Infrastructure;

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
}
