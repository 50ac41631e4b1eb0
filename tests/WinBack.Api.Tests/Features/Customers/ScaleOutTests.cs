using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Customers;

/// <summary>Two API hosts on one database, as with WinBack__Role=api scaled out, writing the same customers at once.</summary>
public sealed class ScaleOutTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task Concurrent_writes_from_two_hosts_to_one_customer_all_reach_the_summary()
    {
        var tenant = await app.CreateTenantAsync();
        await using var second = app.WithWebHostBuilder(_ => { });
        var secondIngest = second.CreateClient();
        secondIngest.DefaultRequestHeaders.Authorization = new("Bearer", tenant.IngestKey.Secret);

        var writes = Enumerable.Range(0, 200).Select(i =>
        {
            var client = i % 2 == 0 ? tenant.Ingest : secondIngest;
            return client.PostAsJsonAsync($"/v1/customers/hot_{i % 3}/activities", new { type = "purchase", amount = 1, currency = "eur" });
        });
        foreach (var response in await Task.WhenAll(writes))
            response.EnsureSuccessStatusCode();

        for (var c = 0; c < 3; c++)
        {
            var events = await tenant.Admin.GetFromJsonAsync<JsonElement>($"/v1/customers/hot_{c}/events?limit=1000");
            var summary = await tenant.Admin.GetFromJsonAsync<JsonElement>($"/v1/customers/hot_{c}");
            events.GetProperty("data").GetArrayLength().ShouldBe(c == 0 ? 67 : c == 1 ? 67 : 66);
            summary.GetProperty("orderCount").GetInt32().ShouldBe(events.GetProperty("data").GetArrayLength(), $"hot_{c}'s summary missed events");
        }
    }
}
