using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Customers;

public sealed class ListCustomersTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private async Task<TestTenant> SeedAsync()
    {
        var tenant = await app.CreateTenantAsync();
        async Task Activity(string id, object body) => (await tenant.Ingest.PostAsJsonAsync($"/v1/customers/{id}/activities", body)).EnsureSuccessStatusCode();
        await Activity("c1", new { type = "login", occurredAt = "2026-01-10T00:00:00Z" });
        await Activity("c2", new { type = "login", occurredAt = "2026-06-10T00:00:00Z" });
        await Activity("c3", new { type = "subscription_cancelled", occurredAt = "2026-03-10T00:00:00Z", reason = "too_expensive" });
        await Activity("c4", new { type = "login", occurredAt = "2026-09-10T00:00:00Z" });
        (await tenant.Ingest.PutAsJsonAsync("/v1/customers/c2", new { attributes = new { channel = "web", segment = "vip" } })).EnsureSuccessStatusCode();
        (await tenant.Ingest.PutAsJsonAsync("/v1/customers/c4", new { attributes = new { channel = "web" } })).EnsureSuccessStatusCode();
        return tenant;
    }

    private static async Task<List<string>> IdsAsync(TestTenant tenant, string query)
    {
        var page = await tenant.Admin.GetFromJsonAsync<JsonElement>($"/v1/customers{query}");
        return page.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToList();
    }

    [Fact]
    public async Task Filters_combine_with_and()
    {
        var tenant = await SeedAsync();

        (await IdsAsync(tenant, "?status=cancelled")).ShouldBe(["c3"]);
        (await IdsAsync(tenant, "?lastActivityBefore=2026-06-10T00:00:00Z")).ShouldBe(["c1", "c3"]);
        (await IdsAsync(tenant, "?lastActivityAfter=2026-06-10T00:00:00Z")).ShouldBe(["c2", "c4"]);
        (await IdsAsync(tenant, "?attribute[channel]=web")).ShouldBe(["c2", "c4"]);
        (await IdsAsync(tenant, "?attribute[channel]=web&attribute[segment]=vip")).ShouldBe(["c2"]);
        (await IdsAsync(tenant, "?status=active&lastActivityBefore=2026-07-01T00:00:00Z&attribute[channel]=web")).ShouldBe(["c2"]);
    }

    [Fact]
    public async Task Pages_follow_the_cursor()
    {
        var tenant = await SeedAsync();

        var first = await tenant.Admin.GetFromJsonAsync<JsonElement>("/v1/customers?limit=3");
        var second = await tenant.Admin.GetFromJsonAsync<JsonElement>("/v1/customers?limit=3&startingAfter=c3");

        first.GetProperty("hasMore").GetBoolean().ShouldBeTrue();
        second.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("id").GetString()).ShouldBe(["c4"]);
        second.GetProperty("hasMore").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Bad_filters_are_400()
    {
        var tenant = await app.CreateTenantAsync();

        (await (await tenant.Admin.GetAsync("/v1/customers?status=gone")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))
            .FieldErrors("status").ShouldNotBeEmpty();
        (await (await tenant.Admin.GetAsync("/v1/customers?lastActivityBefore=soon")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))
            .FieldErrors("lastActivityBefore").ShouldNotBeEmpty();
    }
}
