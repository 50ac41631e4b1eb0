using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Infrastructure.Errors;

/// <summary>The service on a PostgreSQL cluster of its own, which a test stops and starts again on the same port.</summary>
public sealed class OwnClusterApp : WinBackApp
{
    private OwnCluster? _cluster;

    protected override async Task<string> DatabaseAsync()
    {
        _cluster = await OwnCluster.StartAsync();
        return _cluster.ConnectionString;
    }

    /// <summary>pg_ctl stop -m fast: sessions are ended, then the server goes away.</summary>
    public Task StopDatabaseAsync() => _cluster!.StopAsync();

    public Task StartDatabaseAsync() => _cluster!.StartAgainAsync();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_cluster is not null)
            await _cluster.DisposeAsync();
    }
}

public sealed class DatabaseDownTests
{
    private const int Writers = 8;
    private const int Customers = 30;

    /// <summary>One answer; <paramref name="Phase"/> names when it was sent, or "down" only when it was sent and answered during the outage.</summary>
    private sealed record Answer(string Phase, string Kind, HttpStatusCode Status, string? RetryAfter, string Body);

    [Fact]
    public async Task While_PostgreSQL_is_down_every_request_gets_503_with_retry_after_and_nothing_acknowledged_is_lost()
    {
        await using var app = new OwnClusterApp();
        await ((IAsyncLifetime)app).InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var strangerKey = app.ClientWithKey("wb_test_" + new string('0', 64));
        var phase = "before";
        var answers = new ConcurrentBag<Answer>();
        var acknowledged = new ConcurrentBag<(string Customer, string ActivityId)>();

        async Task Send(string kind, Func<Task<HttpResponseMessage>> call)
        {
            var sentAt = phase;
            using var response = await call();
            var body = await response.Content.ReadAsStringAsync();
            // Marten retries a failed command for a while: a request sent during the outage may succeed after the restart.
            var at = sentAt == "down" && phase != "down" ? "across the restart" : sentAt;
            answers.Add(new Answer(at, kind, response.StatusCode, response.Headers.RetryAfter?.ToString(), body));
            if (kind == "write" && response.IsSuccessStatusCode)
                acknowledged.Add((JsonDocument.Parse(body).RootElement.GetProperty("customerId").GetString()!,
                    JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!));
        }

        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var customer = $"cus_{(w * 7919 + i) % Customers}";
                await Send("write", () => tenant.Ingest.PostAsJsonAsync($"/v1/customers/{customer}/activities",
                    new { type = "purchase", amount = 100, currency = "eur", externalId = $"w{w}-{i}" }));
                if (i % 4 == 0)
                    await Send("read", () => tenant.Admin.GetAsync("/v1/customers?limit=5"));
                if (i % 8 == 0)
                    await Send("unknown key", () => strangerKey.GetAsync("/v1/customers"));
            }
        })).ToList();

        await Eventually.TrueAsync(() => acknowledged.Count >= 100, "100 acknowledged writes before the outage");
        phase = "stopping";
        await app.StopDatabaseAsync();
        phase = "down";
        // Long enough for the one-second key cache to expire, so that the key lookup itself meets the outage.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var ready = await app.CreateClient().GetAsync("/health/ready");
        phase = "starting";
        await app.StartDatabaseAsync();
        await Eventually.TrueAsync(() => answers.Count(a => a.Phase == "starting" && a.Kind == "write" && (int)a.Status is >= 200 and < 300) >= 20,
            "writes succeeding again after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(load);

        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await ready.Content.ReadAsStringAsync()).ShouldBe("Unhealthy");
        var down = answers.Where(a => a.Phase == "down").ToList();
        down.Count.ShouldBeGreaterThan(20, "requests ran during the outage");
        down.Select(a => a.Kind).Distinct().Count().ShouldBe(3, "writes, reads and key lookups all met the outage");
        foreach (var answer in answers.Where(a => !IsSuccessOrStrangerRefused(a)))
        {
            answer.Status.ShouldBe(HttpStatusCode.ServiceUnavailable, $"{answer.Kind} while {answer.Phase}: {answer.Body}");
            answer.RetryAfter.ShouldNotBeNull(answer.Body);
            JsonDocument.Parse(answer.Body).RootElement.GetProperty("code").GetString().ShouldBe("database_unavailable");
        }
        down.ShouldAllBe(a => a.Status == HttpStatusCode.ServiceUnavailable, string.Join("; ", down.Where(a => a.Status != HttpStatusCode.ServiceUnavailable).Select(a => $"{a.Kind} {a.Status}")));

        foreach (var customer in acknowledged.GroupBy(a => a.Customer))
        {
            var events = await tenant.Ingest.GetFromJsonAsync<JsonElement>($"/v1/customers/{customer.Key}/events?limit=1000");
            var stored = events.GetProperty("data").EnumerateArray()
                .Select(e => e.GetProperty("data").GetProperty("activityId").GetString()).ToHashSet();
            foreach (var (_, activityId) in customer)
                stored.ShouldContain(activityId, $"acknowledged activity {activityId} of {customer.Key} was lost");
        }
    }

    private static bool IsSuccessOrStrangerRefused(Answer answer) =>
        (int)answer.Status is >= 200 and < 300 || (answer.Kind == "unknown key" && answer.Status == HttpStatusCode.Unauthorized);
}
