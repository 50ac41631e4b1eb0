using System.Net;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Infrastructure.RateLimiting;

public sealed class TightlyLimitedApp : WinBackApp
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["WinBack:RateLimit:RequestsPerSecond"] = "1",
        ["WinBack:RateLimit:Burst"] = "3",
    };
}

public sealed class RateLimitTests(TightlyLimitedApp app) : IClassFixture<TightlyLimitedApp>
{
    [Fact]
    public async Task A_key_over_its_burst_gets_429_with_retry_after_while_another_key_is_unaffected()
    {
        var tenant = await app.CreateTenantAsync();

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
            responses.Add(await tenant.Admin.GetAsync("/v1/api-keys"));

        var limited = responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        int.Parse(limited.Headers.GetValues("Retry-After").Single()).ShouldBeGreaterThanOrEqualTo(1);
        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBeLessThanOrEqualTo(4);
        (await tenant.Ingest.PostAsync("/v1/api-keys", null)).StatusCode.ShouldNotBe(HttpStatusCode.TooManyRequests);
    }
}
