using System.Net;
using System.Net.Http.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.ApiKeys;

public sealed class ThreeKeysApp : WinBackApp
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["WinBack:MaxApiKeysPerTenant"] = "3",
    };
}

public sealed class ApiKeyLimitTests(ThreeKeysApp app) : IClassFixture<ThreeKeysApp>
{
    [Fact]
    public async Task A_tenant_at_its_key_cap_gets_409_until_it_revokes_one()
    {
        var tenant = await app.CreateTenantAsync(); // comes with two keys

        (await tenant.Admin.PostAsJsonAsync("/v1/api-keys", new { scope = "ingest" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var refused = await tenant.Admin.PostAsJsonAsync("/v1/api-keys", new { scope = "ingest" });
        await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "api_key_limit_reached");
        var other = await app.CreateTenantAsync();
        (await other.Admin.PostAsJsonAsync("/v1/api-keys", new { scope = "ingest" })).StatusCode
            .ShouldBe(HttpStatusCode.Created, "another tenant's cap is its own");

        (await tenant.Admin.DeleteAsync($"/v1/api-keys/{tenant.IngestKey.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await tenant.Admin.PostAsJsonAsync("/v1/api-keys", new { scope = "ingest" })).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Concurrent_requests_cannot_pass_the_cap_together()
    {
        var tenant = await app.CreateTenantAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => tenant.Admin.PostAsJsonAsync("/v1/api-keys", new { scope = "ingest" })));

        answers.Count(a => a.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        answers.Count(a => a.StatusCode == HttpStatusCode.Conflict).ShouldBe(5);
    }
}
