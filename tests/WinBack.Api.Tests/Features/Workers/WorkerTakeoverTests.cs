using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WinBack.Api.Tests.Features.Workers;

/// <summary>
/// Real processes: one API process and two workers on one database. The worker that leads the webhook dispatcher is
/// killed with SIGKILL, or stopped with SIGTERM, in the middle of a burst of deliveries; the other takes over, and every
/// message arrives.
/// </summary>
[Collection(WorkerProcesses.Name)]
public sealed class WorkerTakeoverTests(ITestOutputHelper output)
{
    private const int Pings = 600;
    private const int TenantCap = 128;

    [Theory]
    [InlineData("SIGKILL")]
    [InlineData("SIGTERM")]
    public async Task Webhook_deliveries_go_on_when_the_leading_worker_is_killed(string signal)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(200);
        // The held requests must not time out at the sender: on a slow machine queuing the pings took longer than the 10 s
        // default, the held ones were retried 5 s later, and those second sends counted as duplicates of the kill (CI of a5119ca).
        await using var cluster = await WorkerCluster.StartAsync(new Dictionary<string, string> { ["WinBack__Webhooks__Timeout"] = "00:03:00" });
        var admin = (await cluster.CreateTenantAsync("test")).Admin;
        var endpoint = await admin.PostAsJsonAsync("/v1/webhook-endpoints", new { url = receiver.Url, events = new[] { "*" } });
        endpoint.StatusCode.ShouldBe(HttpStatusCode.Created, await endpoint.Content.ReadAsStringAsync());
        var endpointId = (await endpoint.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        // The first requests wait at the receiver until every ping is queued: on a slow machine queuing 600 one by one took as
        // long as sending them, and the whole burst was over before the kill.
        var queued = new TaskCompletionSource();
        receiver.Hold = queued;
        for (var i = 0; i < Pings; i++)
            (await admin.PostAsync($"/v1/webhook-endpoints/{endpointId}/test", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        receiver.Hold = null;
        queued.SetResult();

        await ServiceProcess.WaitUntilAsync(() => Task.FromResult(receiver.Arrived.Count >= Pings / 4), TimeSpan.FromSeconds(60),
            "a quarter of the pings arrive from the first worker");
        var beforeKill = receiver.Arrived.ToList();
        var arrivedBeforeKill = beforeKill.Count;
        beforeKill.Distinct().Count().ShouldBe(arrivedBeforeKill, "nothing is sent twice before the kill");
        arrivedBeforeKill.ShouldBeLessThan(Pings, "the kill must land in the middle of the burst");
        var killedAt = await WorkerCluster.StopAsync(cluster.Leader, signal);

        // A dead process sends nothing: whatever arrives after the kill comes from the worker that took over.
        await ServiceProcess.WaitUntilAsync(() => Task.FromResult(receiver.Arrived.Count > arrivedBeforeKill), TimeSpan.FromSeconds(30),
            "deliveries going on after the kill");
        output.WriteLine($"{signal}: deliveries went on {killedAt.Elapsed.TotalSeconds:F1} s after the signal (takeover poll 1 s).");
        await ServiceProcess.WaitUntilAsync(() => Task.FromResult(receiver.Accepted.Select(r => r.Id).Distinct().Count() >= Pings),
            TimeSpan.FromSeconds(60), "every ping accepted");

        var ids = receiver.Arrived.ToList();
        ids.Distinct().Count().ShouldBe(Pings, "every message arrives");
        (ids.Count - Pings).ShouldBeLessThanOrEqualTo(TenantCap, "a message is sent twice only if it was in flight when the leader died");
        output.WriteLine($"{ids.Count - Pings} sent twice (in flight at the kill).");
    }
}
