using System.Net;
using System.Net.Http.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Infrastructure.Auth;

public sealed class ApiKeyAuthenticationTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task A_request_without_a_key_gets_401_missing_api_key()
    {
        var response = await app.CreateClient().GetAsync("/v1/api-keys");

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "missing_api_key");
        response.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");
    }

    [Theory]
    [InlineData("wb_test_0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("not-a-key")]
    public async Task An_unknown_key_gets_401_invalid_api_key(string secret)
    {
        var response = await app.ClientWithKey(secret).GetAsync("/v1/api-keys");

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Fact]
    public async Task A_non_bearer_authorization_header_gets_401()
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Basic dXNlcjpwYXNz");

        await (await client.GetAsync("/v1/api-keys")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Fact]
    public async Task An_ingest_key_on_an_admin_endpoint_gets_403()
    {
        var tenant = await app.CreateTenantAsync();

        var response = await tenant.Ingest.GetAsync("/v1/api-keys");

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        problem.GetProperty("detail").GetString()!.ShouldContain("admin");
    }

    [Fact]
    public async Task A_tenant_key_cannot_create_tenants_and_the_platform_key_cannot_read_tenant_data()
    {
        var tenant = await app.CreateTenantAsync();

        await (await tenant.Admin.PostAsJsonAsync("/v1/tenants", new { name = "x", mode = "live" }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        await (await app.PlatformClient().GetAsync("/v1/api-keys"))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
    }

    [Fact]
    public async Task Another_tenants_key_id_is_not_found_and_stays_untouched()
    {
        var owner = await app.CreateTenantAsync(name: "owner");
        var intruder = await app.CreateTenantAsync(name: "intruder");

        var response = await intruder.Admin.DeleteAsync($"/v1/api-keys/{owner.IngestKey.Id}");

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        (await owner.Ingest.GetAsync("/v1/api-keys")).StatusCode.ShouldBe(HttpStatusCode.Forbidden, "the owner's ingest key still works");
        var listed = await intruder.Admin.GetFromJsonAsync<KeyPage>("/v1/api-keys");
        listed!.Data.ShouldNotContain(k => k.Id == owner.IngestKey.Id);
    }

    [Fact]
    public async Task A_revoked_key_gets_401_on_its_next_request()
    {
        var tenant = await app.CreateTenantAsync();
        (await tenant.Admin.GetAsync("/v1/api-keys")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await tenant.Admin.DeleteAsync($"/v1/api-keys/{tenant.AdminKey.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await (await tenant.Admin.GetAsync("/v1/api-keys")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    private sealed record KeyPage(List<KeyRow> Data, bool HasMore);
    private sealed record KeyRow(string Id);
}
