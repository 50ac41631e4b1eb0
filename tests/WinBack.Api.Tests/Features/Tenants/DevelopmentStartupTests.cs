using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Tenants;

public sealed class DevelopmentApp : WinBackApp
{
    protected override string EnvironmentName => "Development";
}

public sealed class DevelopmentStartupTests(DevelopmentApp app) : IClassFixture<DevelopmentApp>
{
    [Fact]
    public async Task Each_start_prints_a_working_demo_admin_key_and_revokes_the_previous_one()
    {
        var firstKey = DemoKey(app.Services);
        var first = app.ClientWithKey(firstKey);
        var keys = await first.GetFromJsonAsync<JsonElement>("/v1/api-keys");
        keys.GetProperty("data").GetArrayLength().ShouldBe(1);
        firstKey.ShouldStartWith("wb_test_");

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await using var restarted = app.WithWebHostBuilder(_ => { });
        var secondKey = DemoKey(restarted.Services);

        secondKey.ShouldNotBe(firstKey);
        var second = restarted.CreateClient();
        second.DefaultRequestHeaders.Authorization = new("Bearer", secondKey);
        var after = await second.GetFromJsonAsync<JsonElement>("/v1/api-keys");
        after.GetProperty("data").GetArrayLength().ShouldBe(2, "the same demo tenant, with the old key listed as revoked");
        after.GetProperty("data").EnumerateArray().Select(k => k.GetProperty("revokedAt").ValueKind)
            .ShouldBe([JsonValueKind.Null, JsonValueKind.String], "newest first: the new key is live, the old one revoked");
        await ShouldStopWorkingWithinASecondAsync(first);
    }

    // The first host may have the old key cached for up to ApiKeyCache.Lifetime (another process revoked it).
    private static async Task ShouldStopWorkingWithinASecondAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow + ApiKeyCache.Lifetime + TimeSpan.FromSeconds(2);
        HttpStatusCode status;
        while ((status = (await client.GetAsync("/v1/api-keys")).StatusCode) != HttpStatusCode.Unauthorized && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        status.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private static string DemoKey(IServiceProvider services) =>
        services.GetServices<IHostedService>().OfType<DevelopmentStartup>().Single().DemoAdminKey!;
}
