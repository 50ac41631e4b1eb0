using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WinBack.Api.Tests.Features.Workers;

/// <summary>
/// Real processes on a PostgreSQL cluster of the test's own: one API process and one worker. A client keeps queueing work
/// through the API: pings (a delivery row the dispatcher loop sends) and new rules (an event that the async daemon's outbox
/// subscription turns into a rule.updated delivery). PostgreSQL is stopped in the middle, kept down for 12 s, and started
/// again on the same port. The worker rides it out in the same process, and every acknowledged message is delivered.
/// </summary>
public sealed class WorkerDatabaseLossTests(ITestOutputHelper output)
{
    private const int TenantCap = 128;
    private const int AcceptedAfterRestart = 60;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(12);

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["WinBack__Webhooks__AllowPrivateTargets"] = "true",
        ["WinBack__Workers__TakeoverPoll"] = "00:00:01",
        ["WinBack__Workers__Heartbeat"] = "00:00:01",
    };

    [Fact]
    public async Task A_worker_that_loses_its_database_stays_up_stops_working_and_resumes_when_the_database_is_back()
    {
        await using var cluster = await OwnCluster.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(100);
        await using var api = await ServiceProcess.StartAsync(cluster.ConnectionString, "api", Settings);
        await using var worker = await ServiceProcess.StartAsync(cluster.ConnectionString, "worker", Settings);
        using var platform = api.ClientWithKey();
        using var admin = api.ClientWithKey(await api.CreateTenantKeyAsync("outage", "admin"));
        var endpoint = await admin.PostAsJsonAsync("/v1/webhook-endpoints", new { url = receiver.Url, events = new[] { "*" } });
        endpoint.StatusCode.ShouldBe(HttpStatusCode.Created, await endpoint.Content.ReadAsStringAsync());
        var ping = $"/v1/webhook-endpoints/{(await endpoint.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()}/test";

        var pings = new ConcurrentQueue<string>();
        var rules = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var isPing = i % 2 == 0;
                try
                {
                    using var response = isPing ? await admin.PostAsync(ping, null) : await admin.PostAsJsonAsync("/v1/rules", new
                    {
                        name = $"r{i}", trigger = new { type = "inactivity", days = 30 },
                        reward = new { type = "account_credit", amount = 500, currency = "eur", expiresInDays = 30 },
                    });
                    if (response.IsSuccessStatusCode)
                    {
                        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                        (isPing ? pings : rules).Enqueue(body.GetProperty(isPing ? "eventId" : "id").GetString()!);
                        continue;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
                await Task.Delay(50); // refused while the database is away; an unacknowledged request may or may not have been kept
            }
        });

        await ServiceProcess.WaitUntilAsync(() => Task.FromResult(receiver.Received.Count(r => r.Type == "rule.updated") >= 5),
            TimeSpan.FromSeconds(30), "the first rule.updated messages arrive");
        await cluster.StopAsync();
        var logAtStop = worker.Output.Count;
        var down = Stopwatch.StartNew();
        while (down.Elapsed < Outage)
        {
            worker.HasExited.ShouldBeFalse("the worker must not exit while the database is away:\n" + Tail(worker));
            await Task.Delay(500);
        }
        var linesWhileDown = worker.Output.Count - logAtStop;
        var acceptedBeforeRestart = pings.Count + rules.Count;
        var restartedAt = DateTimeOffset.UtcNow;
        await cluster.StartAgainAsync();
        await ServiceProcess.WaitUntilAsync(() => Task.FromResult(pings.Count + rules.Count >= acceptedBeforeRestart + AcceptedAfterRestart),
            TimeSpan.FromSeconds(30), "work accepted again after the restart");
        await stop.CancelAsync();
        await load;

        await ServiceProcess.WaitUntilAsync(() => Task.FromResult(Missing(receiver, pings, rules) == 0), TimeSpan.FromSeconds(40),
            "every acknowledged ping and rule change delivered");
        var status = await StatusAfterAsync(platform, worker.Pid, restartedAt);

        worker.HasExited.ShouldBeFalse(Tail(worker));
        var row = status.GetProperty("workers").EnumerateArray().Single();
        row.GetProperty("pid").GetInt32().ShouldBe(worker.Pid, "the same process, not a restarted one");
        worker.Output.ShouldNotContain(l => l.Contains("BackgroundService failed") || l.Contains("Unhandled exception"), Tail(worker));
        var ruleEvents = receiver.Received.Where(r => r.Type == "rule.updated").GroupBy(r => r.Json.GetProperty("data").GetProperty("ruleId").GetString());
        ruleEvents.ShouldAllBe(rule => rule.Select(r => r.Id).Distinct().Count() == 1, "the outbox queued each rule's event once");
        var ids = receiver.Arrived.ToList();
        (ids.Count - ids.Distinct().Count()).ShouldBeLessThanOrEqualTo(TenantCap,
            "a message is sent twice only if it was in flight when the database went away");
        output.WriteLine($"{pings.Count} pings and {rules.Count} rules acknowledged ({acceptedBeforeRestart} before the restart); " +
                         $"{ids.Count - ids.Distinct().Count()} messages sent twice; the worker wrote {linesWhileDown} log lines in the outage.");
    }

    private static int Missing(WebhookReceiver receiver, IEnumerable<string> pings, IEnumerable<string> rules)
    {
        var accepted = receiver.Accepted;
        var ids = accepted.Select(r => r.Id).ToHashSet();
        var ruleIds = accepted.Where(r => r.Type == "rule.updated").Select(r => r.Json.GetProperty("data").GetProperty("ruleId").GetString()).ToHashSet();
        return pings.Count(p => !ids.Contains(p)) + rules.Count(r => !ruleIds.Contains(r));
    }

    // Its heartbeat row, written after the restart while it leads the daemon and the dispatcher again (the row follows within
    // a heartbeat check, so it may lag the deliveries by a second), and the subscriptions caught up.
    private static async Task<JsonElement> StatusAfterAsync(HttpClient platform, int pid, DateTimeOffset restartedAt)
    {
        JsonElement status = default;
        await ServiceProcess.WaitUntilAsync(async () =>
        {
            status = await platform.GetFromJsonAsync<JsonElement>("/v1/platform/status");
            var back = status.GetProperty("workers").EnumerateArray().Any(w => w.GetProperty("pid").GetInt32() == pid &&
                w.GetProperty("lastSeenAt").GetDateTimeOffset() > restartedAt && w.GetProperty("leader").GetBoolean() &&
                w.GetProperty("loops").EnumerateArray().Any(l => l.GetString() == "webhook-dispatcher@main"));
            var caughtUp = status.GetProperty("projections").EnumerateArray().All(p => p.GetProperty("lagSeconds").GetDouble() == 0);
            return back && caughtUp;
        }, TimeSpan.FromSeconds(30), "the worker's heartbeat after the restart, leading the daemon, its subscriptions caught up");
        return status;
    }

    private static string Tail(ServiceProcess process) => string.Join('\n', process.Output.TakeLast(40));
}
