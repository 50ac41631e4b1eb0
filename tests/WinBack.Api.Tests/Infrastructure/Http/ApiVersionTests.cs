using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Infrastructure.Http;

public sealed class ApiVersionTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private const string Header = "API-Version";

    [Fact]
    public async Task A_new_tenant_is_pinned_to_the_latest_version_and_its_keys_are_served_at_it()
    {
        var response = await app.PlatformClient().PostAsJsonAsync("/v1/tenants", new { name = "acme", mode = "test" });
        var tenant = await response.Content.ReadFromJsonAsync<JsonElement>();
        tenant.GetProperty("apiVersion").GetString().ShouldBe(ApiVersions.Latest);

        var admin = app.ClientWithKey(tenant.GetProperty("apiKeys")[0].GetProperty("secret").GetString()!);
        Echoed(await admin.GetAsync("/v1/settings")).ShouldBe(ApiVersions.Latest);
    }

    [Fact]
    public async Task Without_the_header_a_tenant_key_is_served_at_its_tenants_stored_pin()
    {
        var tenant = await app.CreateTenantAsync();
        // A pin no tenant gets today: the echo then can only have come from the tenant's row, read with the key.
        await Db.ExecuteAsync(app.ConnectionString, "update winback.tenant set api_version = '2020-01-01' where id = @tenant", tenant.Id);
        var created = await tenant.Admin.PostAsJsonAsync("/v1/api-keys", new { scope = "admin" });
        var fresh = app.ClientWithKey((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!);

        Echoed(await fresh.GetAsync("/v1/settings")).ShouldBe("2020-01-01");
        Echoed(await fresh.GetAsync("/v1/no-such-route")).ShouldBe("2020-01-01");
    }

    [Fact]
    public async Task A_known_version_asked_for_is_served_and_echoed()
    {
        var tenant = await app.CreateTenantAsync();
        var response = await Send(tenant.Admin, "/v1/settings", ApiVersions.Initial);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Echoed(response).ShouldBe(ApiVersions.Initial);
    }

    [Theory]
    [InlineData("2019-01-01")]
    [InlineData("2026-13-40")]
    [InlineData("latest")]
    [InlineData("2026-12-6")]
    public async Task An_unknown_or_malformed_version_is_a_400_naming_the_header(string version)
    {
        var tenant = await app.CreateTenantAsync();
        var response = await Send(tenant.Admin, "/v1/settings", version);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        problem.FieldErrors(Header).Single().ShouldContain(Header);
        Echoed(response).ShouldBe(ApiVersions.Latest);
    }

    [Fact]
    public async Task The_version_is_echoed_on_a_404_and_on_a_401()
    {
        var tenant = await app.CreateTenantAsync();
        var notFound = await Send(tenant.Admin, "/v1/no-such-route", ApiVersions.Initial);
        await notFound.ShouldBeProblemAsync(HttpStatusCode.NotFound, "route_not_found");
        Echoed(notFound).ShouldBe(ApiVersions.Initial);

        var anonymous = await app.CreateClient().GetAsync("/v1/settings");
        await anonymous.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "missing_api_key");
        Echoed(anonymous).ShouldBe(ApiVersions.Latest);
    }

    [Fact]
    public async Task The_platform_key_is_served_at_the_latest_version()
    {
        var response = await app.PlatformClient().GetAsync("/v1/platform/status");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Echoed(response).ShouldBe(ApiVersions.Latest);
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string path, string version)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation(Header, version);
        return client.SendAsync(request);
    }

    private static string Echoed(HttpResponseMessage response) => response.Headers.GetValues(Header).Single();
}
