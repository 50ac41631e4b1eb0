using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.ApiKeys;

public sealed class ApiKeyTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task A_created_key_works_with_its_scope_and_its_secret_is_never_listed()
    {
        var tenant = await app.CreateTenantAsync();

        var response = await tenant.Admin.PostAsJsonAsync("/v1/api-keys", new { scope = "admin", description = "ops" });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var secret = created.GetProperty("secret").GetString()!;
        secret.ShouldStartWith("wb_test_");
        created.GetProperty("redacted").GetString().ShouldBe($"wb_test_…{secret[^4..]}");
        (await app.ClientWithKey(secret).GetAsync("/v1/api-keys")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var listing = await tenant.Admin.GetStringAsync("/v1/api-keys?limit=100");
        listing.ShouldNotContain(secret);
        listing.ShouldNotContain("secret");
        listing.ShouldContain(created.GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task Lists_are_newest_first_and_paged_with_a_cursor()
    {
        var tenant = await app.CreateTenantAsync();
        var made = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            app.Clock.Advance(TimeSpan.FromSeconds(1));
            var key = await (await tenant.Admin.PostAsJsonAsync("/v1/api-keys", new { scope = "ingest" })).Content.ReadFromJsonAsync<JsonElement>();
            made.Add(key.GetProperty("id").GetString()!);
        }

        var first = await tenant.Admin.GetFromJsonAsync<JsonElement>("/v1/api-keys?limit=2");
        var firstIds = Ids(first);
        var second = await tenant.Admin.GetFromJsonAsync<JsonElement>($"/v1/api-keys?limit=3&startingAfter={firstIds[^1]}");

        firstIds.ShouldBe([made[2], made[1]]);
        first.GetProperty("hasMore").GetBoolean().ShouldBeTrue();
        Ids(second)[0].ShouldBe(made[0]);
        Ids(second).Count.ShouldBe(3, "then the two keys that came with the tenant");
        second.GetProperty("hasMore").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Revoking_twice_returns_the_same_revoked_key()
    {
        var tenant = await app.CreateTenantAsync();

        var first = await tenant.Admin.DeleteAsync($"/v1/api-keys/{tenant.IngestKey.Id}");
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        var second = await tenant.Admin.DeleteAsync($"/v1/api-keys/{tenant.IngestKey.Id}");

        var revokedAt = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revokedAt").GetString();
        revokedAt.ShouldNotBeNull();
        (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revokedAt").GetString().ShouldBe(revokedAt);
        await (await tenant.Ingest.GetAsync("/v1/api-keys")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    private static List<string> Ids(JsonElement page) =>
        page.GetProperty("data").EnumerateArray().Select(k => k.GetProperty("id").GetString()!).ToList();
}
