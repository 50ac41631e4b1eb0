using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Customers;

/// <summary>
/// Runs the real service as a separate process, kills it (SIGKILL, no graceful stop) in the middle of a
/// burst of writes, starts it again on the same database, and checks that every acknowledged activity is there.
/// </summary>
public sealed class DurabilityTests
{
    private const int Customers = 40;
    private const int Writers = 16;

    [Fact]
    public async Task Every_acknowledged_activity_survives_a_killed_server()
    {
        var connectionString = await TestDatabaseServer.CreateDatabaseAsync();
        await using var server = await ServiceProcess.StartAsync(connectionString);
        var http = server.Http;
        var ingestKey = await server.CreateTenantKeyAsync("durable", "ingest");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ingestKey);

        var acknowledged = new ConcurrentBag<(string Customer, string ActivityId)>();
        var failed = 0;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var customer = $"cus_{(w * 7919 + i) % Customers}";
                try
                {
                    var response = await http.PostAsJsonAsync($"/v1/customers/{customer}/activities",
                        new { type = "purchase", amount = 100, currency = "eur", externalId = $"w{w}-{i}" });
                    if (response.IsSuccessStatusCode)
                        acknowledged.Add((customer, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!));
                    else
                        Interlocked.Increment(ref failed);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    Interlocked.Increment(ref failed);
                    await Task.Delay(20);
                }
            }
        })).ToList();

        await ServiceProcess.WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= 300), TimeSpan.FromSeconds(60));
        await server.KillAsync();
        await Task.Delay(300);
        stop.Cancel();
        await Task.WhenAll(writers);

        failed.ShouldBeGreaterThan(0, "the kill must land in the middle of the burst");
        await using var restarted = await ServiceProcess.StartAsync(connectionString);
        http = restarted.Http;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ingestKey);
        foreach (var customer in acknowledged.GroupBy(a => a.Customer))
        {
            var events = await http.GetFromJsonAsync<JsonElement>($"/v1/customers/{customer.Key}/events?limit=1000");
            var stored = events.GetProperty("data").EnumerateArray()
                .Select(e => e.GetProperty("data").GetProperty("activityId").GetString()).ToHashSet();
            foreach (var (_, activityId) in customer)
                stored.ShouldContain(activityId, $"acknowledged activity {activityId} of {customer.Key} was lost");
            var summary = await http.GetFromJsonAsync<JsonElement>($"/v1/customers/{customer.Key}");
            summary.GetProperty("orderCount").GetInt32().ShouldBe(stored.Count, "the summary matches the stream");
        }
    }
}
