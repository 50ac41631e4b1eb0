using System.Net;
using System.Net.Http.Json;
using WinBack.Api.Tests.Infrastructure;
using static WinBack.Api.Tests.Features.Rules.RuleRequests;

namespace WinBack.Api.Tests.Features.Rules;

public sealed class RuleTenantIsolationTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task Another_tenants_rule_is_not_found_anywhere()
    {
        var owner = await app.CreateTenantAsync(name: "owner");
        var other = await app.CreateTenantAsync(name: "other");
        var id = await owner.CreateActiveAsync(Simple());

        await (await other.Admin.GetAsync($"/v1/rules/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        await (await other.Admin.GetAsync($"/v1/rules/{id}/versions")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        await (await other.ReviseAsync(id, Simple(name: "hijack"), "\"1\"")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        foreach (var verb in new[] { "activate", "pause", "archive", "preview" })
            await (await other.Admin.PostAsync($"/v1/rules/{id}/{verb}", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        (await other.Admin.GetJsonAsync("/v1/rules")).GetProperty("data").GetArrayLength().ShouldBe(0);

        var rule = await owner.Admin.GetJsonAsync($"/v1/rules/{id}");
        (rule.GetProperty("status").GetString(), rule.GetProperty("name").GetString()).ShouldBe(("active", "simple"));
    }

    [Fact]
    public async Task Rules_of_another_tenant_neither_overlap_nor_take_customers_and_previews_count_only_own_customers()
    {
        var owner = await app.CreateTenantAsync(name: "owner");
        var other = await app.CreateTenantAsync(name: "other");
        await owner.CreateActiveAsync(Simple(priority: 30));
        (await owner.Ingest.PostAsJsonAsync("/v1/customers/shared-id/activities", new { type = "login", occurredAt = "2026-01-01T00:00:00Z" }))
            .EnsureSuccessStatusCode();

        var id = await other.CreateActiveAsync(Simple(priority: 30));
        var preview = await (await other.Admin.PostAsync($"/v1/rules/{id}/preview", null)).ReadAsync();

        preview.GetProperty("lapsed").GetInt32().ShouldBe(0);
        var mine = await (await owner.Admin.PostAsync("/v1/rules/preview", Json(Simple(priority: 1)))).ReadAsync();
        mine.GetProperty("lapsed").GetInt32().ShouldBe(1);
        mine.GetProperty("excluded").GetProperty("higherPriorityRule").GetInt32().ShouldBe(1);
    }
}
