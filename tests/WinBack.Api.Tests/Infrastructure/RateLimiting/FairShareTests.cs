using System.Net;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Infrastructure.RateLimiting;

public sealed class TenantLimitedApp : WinBackApp
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["WinBack:RateLimit:RequestsPerSecond"] = "1",
        ["WinBack:RateLimit:Burst"] = "3",
        ["WinBack:RateLimit:TenantRequestsPerSecond"] = "1",
        ["WinBack:RateLimit:TenantBurst"] = "4",
    };
}

public sealed class TenantRateLimitTests(TenantLimitedApp app) : IClassFixture<TenantLimitedApp>
{
    [Fact]
    public async Task A_tenants_keys_share_one_bucket_so_more_keys_buy_no_bigger_share()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();

        for (var i = 0; i < 3; i++)
            (await tenant.Admin.GetAsync("/v1/api-keys")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var second = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
            second.Add(await tenant.Ingest.GetAsync("/v1/customers"));

        var limited = second.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        var problem = await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        problem.GetProperty("detail").GetString()!.ShouldContain("This tenant's keys together");
        limited.Headers.RetryAfter.ShouldNotBeNull();
        (await other.Admin.GetAsync("/v1/api-keys")).StatusCode.ShouldBe(HttpStatusCode.OK, "another tenant has its own bucket");
    }
}

public sealed class ClientAddressLimitedApp : WinBackApp
{
    public const string Proxy = "10.0.0.1";

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["WinBack:RateLimit:UnauthenticatedRequestsPerSecond"] = "1",
        ["WinBack:RateLimit:UnauthenticatedBurst"] = "3",
        ["WinBack:ForwardedHeaders:KnownProxies"] = Proxy,
    };
}

public sealed class ClientAddressRateLimitTests(ClientAddressLimitedApp app) : IClassFixture<ClientAddressLimitedApp>
{
    private static readonly string MadeUpKey = "wb_test_" + new string('f', 64);

    [Fact]
    public async Task Made_up_keys_from_one_address_are_limited_before_any_key_is_looked_up()
    {
        var tenant = await app.CreateTenantAsync();
        var flood = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
            flood.Add(await SendAsync(MadeUpKey, from: "192.0.2.10"));

        flood[0].StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var limited = flood.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        (await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited"))
            .GetProperty("detail").GetString()!.ShouldContain("without a verified API key");
        // A real key that this process has not verified yet is refused too: the bucket is taken before the lookup.
        (await SendAsync(tenant.AdminKey.Secret, from: "192.0.2.10")).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await SendAsync(MadeUpKey, from: "192.0.2.11")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "another address is unaffected");
    }

    [Fact]
    public async Task Forwarded_addresses_are_believed_only_from_a_configured_proxy()
    {
        // Behind the proxy, each client has its own bucket.
        var behindProxy = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
            behindProxy.Add(await SendAsync(MadeUpKey, from: ClientAddressLimitedApp.Proxy, forwardedFor: "203.0.113.5"));
        behindProxy.ShouldContain(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        (await SendAsync(MadeUpKey, from: ClientAddressLimitedApp.Proxy, forwardedFor: "203.0.113.6"))
            .StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "another client behind the same proxy");

        // From anywhere else, X-Forwarded-For is ignored: a new made-up address per request escapes nothing.
        var spoofed = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
            spoofed.Add(await SendAsync(MadeUpKey, from: "198.51.100.7", forwardedFor: $"203.0.113.{100 + i}"));
        spoofed.ShouldContain(r => r.StatusCode == HttpStatusCode.TooManyRequests);
    }

    private async Task<HttpResponseMessage> SendAsync(string key, string from, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/customers");
        request.Headers.Authorization = new("Bearer", key);
        request.Headers.Add(TestRemoteAddress.Header, from);
        if (forwardedFor is not null)
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        return await app.CreateClient().SendAsync(request);
    }
}
