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
        var port = FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };

        var server = await StartServerAsync(connectionString, port, http);
        var ingestKey = await CreateTenantAsync(http);
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

        await WaitUntilAsync(() => acknowledged.Count >= 300, TimeSpan.FromSeconds(60));
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
        await Task.Delay(300);
        stop.Cancel();
        await Task.WhenAll(writers);

        failed.ShouldBeGreaterThan(0, "the kill must land in the middle of the burst");
        var restarted = await StartServerAsync(connectionString, port, http);
        try
        {
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
        finally
        {
            restarted.Kill(entireProcessTree: true);
            await restarted.WaitForExitAsync();
        }
    }

    private static async Task<Process> StartServerAsync(string connectionString, int port, HttpClient http)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ApiAssemblyPath());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["ConnectionStrings__WinBack"] = connectionString;
        start.Environment["WinBack__PlatformKey"] = WinBackApp.PlatformKey;
        start.Environment["WinBack__DataProtection__Certificate"] = TestKeyRingCertificate.Base64;
        start.Environment["WinBack__DataProtection__CertificatePassword"] = TestKeyRingCertificate.Password;
        start.Environment["WinBack__RateLimit__RequestsPerSecond"] = "100000";
        start.Environment["WinBack__RateLimit__Burst"] = "100000";
        start.Environment["WinBack__RateLimit__TenantRequestsPerSecond"] = "100000";
        start.Environment["WinBack__RateLimit__TenantBurst"] = "100000";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitUntilAsync(async () =>
        {
            try { return (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK; }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(60));
        return process;
    }

    private static async Task<string> CreateTenantAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tenants") { Content = JsonContent.Create(new { name = "durable", mode = "test" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", WinBackApp.PlatformKey);
        var tenant = await (await http.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
        return tenant.GetProperty("apiKeys").EnumerateArray().Single(k => k.GetProperty("scope").GetString() == "ingest").GetProperty("secret").GetString()!;
    }

    // The service's own build output, next to this test project's (same configuration).
    private static string ApiAssemblyPath()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "WinBack.sln")))
            root = root.Parent;
        return Path.Combine(root!.FullName, "src", "WinBack.Api", "bin", configuration, framework, "WinBack.Api.dll");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout) => WaitUntilAsync(() => Task.FromResult(condition()), timeout);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Condition not met within {timeout}.");
            await Task.Delay(50);
        }
    }
}
