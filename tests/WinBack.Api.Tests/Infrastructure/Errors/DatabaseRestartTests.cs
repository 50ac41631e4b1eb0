using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WinBack.Api.Tests.Infrastructure.Errors;

/// <summary>
/// The API as a real process on a PostgreSQL cluster of the test's own, under a steady stream of activity writes. PostgreSQL
/// is stopped in the middle, kept down for 8 s, and started again on the same port. Every answer that is not a success is a
/// 503 with Retry-After (no 500, including from pooled connections the restart broke), writes succeed again, and every
/// acknowledged activity is stored.
/// </summary>
public sealed class DatabaseRestartTests(ITestOutputHelper output)
{
    private const int Writers = 8;
    private const int Customers = 30;
    private const int AfterRestart = 300;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(8);

    private enum Phase { Before, Down, Restarted }

    private sealed record Answer(Phase SentIn, HttpStatusCode Status, string? RetryAfter, string Body);

    [Fact]
    public async Task PostgreSQL_restarted_under_load_gets_503_with_retry_after_and_loses_nothing_acknowledged()
    {
        await using var cluster = await OwnCluster.StartAsync();
        await using var api = await ServiceProcess.StartAsync(cluster.ConnectionString, "api");
        using var ingest = api.ClientWithKey(await api.CreateTenantKeyAsync("restart", "ingest"));
        ingest.Timeout = TimeSpan.FromSeconds(30);
        var phase = Phase.Before;
        var answers = new ConcurrentQueue<Answer>();
        var acknowledged = new ConcurrentQueue<(string Customer, string ActivityId)>();
        var failedToAnswer = new ConcurrentQueue<string>();

        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var customer = $"cus_{(w * 7919 + i) % Customers}";
                var sentIn = phase;
                try
                {
                    using var response = await ingest.PostAsJsonAsync($"/v1/customers/{customer}/activities",
                        new { type = "purchase", amount = 100, currency = "eur", externalId = $"w{w}-{i}" });
                    var body = await response.Content.ReadAsStringAsync();
                    answers.Enqueue(new Answer(sentIn, response.StatusCode, response.Headers.RetryAfter?.ToString(), body));
                    if (response.IsSuccessStatusCode)
                        acknowledged.Enqueue((customer, JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!));
                    else
                        await Task.Delay(20);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    failedToAnswer.Enqueue(e.Message);
                }
            }
        })).ToList();

        await ServiceProcess.WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= 200), TimeSpan.FromSeconds(30), "writes before the outage");
        phase = Phase.Down;
        await cluster.StopAsync();
        await Task.Delay(Outage);
        var ready = await api.Http.GetAsync("/health/ready");
        await cluster.StartAgainAsync();
        phase = Phase.Restarted;
        var acknowledgedAtRestart = acknowledged.Count;
        await ServiceProcess.WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= acknowledgedAtRestart + AfterRestart), TimeSpan.FromSeconds(30),
            "writes succeeding again after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(load);

        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        failedToAnswer.ShouldBeEmpty("every request gets an answer, the outage's a 503");
        answers.Count(a => a.SentIn == Phase.Down).ShouldBeGreaterThan(Writers, "requests ran during the outage");
        foreach (var answer in answers.Where(a => !((int)a.Status is >= 200 and < 300)))
        {
            answer.Status.ShouldBe(HttpStatusCode.ServiceUnavailable, answer.Body);
            answer.RetryAfter.ShouldNotBeNull(answer.Body);
            JsonDocument.Parse(answer.Body).RootElement.GetProperty("code").GetString().ShouldBe("database_unavailable");
        }
        // Soon after writes succeed again, the pool holds no broken connection: the rest of the run has no refusal at all.
        answers.Where(a => a.SentIn == Phase.Restarted).SkipWhile(a => a.Status != HttpStatusCode.Created).Skip(Writers * 2)
            .ShouldAllBe(a => a.Status == HttpStatusCode.Created);

        foreach (var customer in acknowledged.GroupBy(a => a.Customer))
        {
            var events = await ingest.GetFromJsonAsync<JsonElement>($"/v1/customers/{customer.Key}/events?limit=1000");
            var stored = events.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("data").GetProperty("activityId").GetString()).ToHashSet();
            foreach (var (_, activityId) in customer)
                stored.ShouldContain(activityId, $"acknowledged activity {activityId} of {customer.Key} was lost");
        }
        output.WriteLine($"{acknowledged.Count} acknowledged, {answers.Count(a => a.Status == HttpStatusCode.ServiceUnavailable)} answered 503 " +
                         $"({answers.Count(a => a.SentIn == Phase.Down)} sent while PostgreSQL was down).");
    }
}
