using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Tenants;

public sealed class CreateTenantTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Theory]
    [InlineData("live", "wb_live_")]
    [InlineData("test", "wb_test_")]
    public async Task A_tenant_comes_with_an_admin_and_an_ingest_key_of_its_mode(string mode, string prefix)
    {
        var response = await app.PlatformClient().PostAsJsonAsync("/v1/tenants", new { name = "acme", mode });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var tenant = await response.Content.ReadFromJsonAsync<JsonElement>();
        tenant.GetProperty("id").GetString().ShouldStartWith("ten_");
        tenant.GetProperty("mode").GetString().ShouldBe(mode);
        tenant.GetProperty("createdAt").GetString().ShouldBe("2026-11-24T09:00:00Z");
        var keys = tenant.GetProperty("apiKeys").EnumerateArray().ToList();
        keys.Select(k => k.GetProperty("scope").GetString()).ShouldBe(["admin", "ingest"]);
        keys.ShouldAllBe(k => k.GetProperty("secret").GetString()!.StartsWith(prefix));
        keys.ShouldAllBe(k => k.GetProperty("id").GetString()!.StartsWith("key_"));

        var admin = app.ClientWithKey(keys[0].GetProperty("secret").GetString()!);
        (await admin.GetAsync("/v1/api-keys")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Name_and_mode_are_required()
    {
        var response = await app.PlatformClient().PostAsJsonAsync("/v1/tenants", new { name = "" });

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        problem.FieldErrors("name").ShouldNotBeEmpty();
        problem.FieldErrors("mode").ShouldNotBeEmpty();
    }
}
