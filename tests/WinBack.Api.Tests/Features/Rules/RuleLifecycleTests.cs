using System.Net;
using WinBack.Api.Tests.Infrastructure;
using static WinBack.Api.Tests.Features.Rules.RuleRequests;

namespace WinBack.Api.Tests.Features.Rules;

public sealed class RuleLifecycleTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task A_revision_with_the_current_version_makes_the_next_one()
    {
        var tenant = await app.CreateTenantAsync();
        var id = (await tenant.CreateAsync(Simple(name: "first"))).GetProperty("id").GetString()!;
        app.Clock.Advance(TimeSpan.FromMinutes(5));

        var response = await tenant.ReviseAsync(id, Simple(name: "second"), "\"1\"");
        var revised = await response.ReadAsync();

        response.Headers.ETag!.Tag.ShouldBe("\"2\"");
        (revised.GetProperty("version").GetInt32(), revised.GetProperty("name").GetString()).ShouldBe((2, "second"));
        revised.GetProperty("status").GetString().ShouldBe("draft");
        revised.GetProperty("updatedAt").GetDateTimeOffset().ShouldBe(app.Clock.GetUtcNow());
        (await tenant.Admin.GetJsonAsync($"/v1/rules/{id}")).GetProperty("name").GetString().ShouldBe("second");
    }

    [Fact]
    public async Task A_stale_or_missing_If_Match_changes_nothing()
    {
        var tenant = await app.CreateTenantAsync();
        var id = (await tenant.CreateAsync(Simple(name: "first"))).GetProperty("id").GetString()!;
        (await tenant.ReviseAsync(id, Simple(name: "second"), "W/\"1\"")).EnsureSuccessStatusCode();

        var stale = await (await tenant.ReviseAsync(id, Simple(name: "lost update"), "\"1\"")).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        stale.GetProperty("detail").GetString()!.ShouldContain("If-Match: \"2\"");
        await (await tenant.ReviseAsync(id, Simple(name: "blind"), null)).ShouldBeProblemAsync(HttpStatusCode.PreconditionRequired, "precondition_required");
        (await (await tenant.ReviseAsync(id, Simple(name: "junk"), "yesterday")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))
            .FieldErrors("ifMatch").ShouldNotBeEmpty();

        var rule = await tenant.Admin.GetJsonAsync($"/v1/rules/{id}");
        (rule.GetProperty("version").GetInt32(), rule.GetProperty("name").GetString()).ShouldBe((2, "second"));
    }

    [Fact]
    public async Task Concurrent_revisions_of_one_version_let_exactly_one_through()
    {
        var tenant = await app.CreateTenantAsync();
        var id = (await tenant.CreateAsync(Simple())).GetProperty("id").GetString()!;

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => tenant.ReviseAsync(id, Simple(name: $"edit {i}"), "\"1\"")));

        answers.Count(a => a.StatusCode == HttpStatusCode.OK).ShouldBe(1);
        answers.Count(a => a.StatusCode == HttpStatusCode.PreconditionFailed).ShouldBe(7);
        (await tenant.Admin.GetJsonAsync($"/v1/rules/{id}/versions")).GetProperty("data").GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task Versions_list_every_definition_with_who_and_when()
    {
        var tenant = await app.CreateTenantAsync();
        var created = app.Clock.GetUtcNow();
        var id = (await tenant.CreateAsync(Simple(name: "v1"))).GetProperty("id").GetString()!;
        (await tenant.Admin.PostAsync($"/v1/rules/{id}/activate", null)).EnsureSuccessStatusCode();
        app.Clock.Advance(TimeSpan.FromHours(1));
        (await tenant.ReviseAsync(id, Simple(name: "v2"), "\"1\"")).EnsureSuccessStatusCode();

        var versions = (await tenant.Admin.GetJsonAsync($"/v1/rules/{id}/versions")).GetProperty("data").EnumerateArray().ToList();

        versions.Select(v => v.GetProperty("version").GetInt32()).ShouldBe([1, 2]);
        versions.Select(v => v.GetProperty("definition").GetProperty("name").GetString()).ShouldBe(["v1", "v2"]);
        versions.Select(v => v.GetProperty("changedBy").GetString()).ShouldAllBe(k => k == tenant.AdminKey.Id);
        versions.Select(v => v.GetProperty("changedAt").GetDateTimeOffset()).ShouldBe([created, created.AddHours(1)]);
        var second = await tenant.Admin.GetJsonAsync($"/v1/rules/{id}/versions?limit=1&startingAfter=1");
        second.GetProperty("data").EnumerateArray().Single().GetProperty("version").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task Statuses_move_draft_to_active_to_paused_and_back_then_to_archived()
    {
        var tenant = await app.CreateTenantAsync();
        var id = (await tenant.CreateAsync(Simple())).GetProperty("id").GetString()!;
        async Task<string?> Post(string verb) => (await (await tenant.Admin.PostAsync($"/v1/rules/{id}/{verb}", null)).ReadAsync())
            .GetProperty("status").GetString();

        (await Post("activate")).ShouldBe("active");
        (await Post("activate")).ShouldBe("active");
        (await Post("pause")).ShouldBe("paused");
        (await Post("activate")).ShouldBe("active");
        (await Post("archive")).ShouldBe("archived");
        (await Post("archive")).ShouldBe("archived");

        var rule = await tenant.Admin.GetJsonAsync($"/v1/rules/{id}");
        rule.GetProperty("version").GetInt32().ShouldBe(1);
        rule.GetProperty("activatedAt").GetDateTimeOffset().ShouldBe(app.Clock.GetUtcNow());
    }

    [Fact]
    public async Task Illegal_transitions_are_409_and_an_archived_rule_is_read_only()
    {
        var tenant = await app.CreateTenantAsync();
        var id = (await tenant.CreateAsync(Simple())).GetProperty("id").GetString()!;

        await (await tenant.Admin.PostAsync($"/v1/rules/{id}/pause", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "rule_not_active");
        (await tenant.Admin.PostAsync($"/v1/rules/{id}/archive", null)).EnsureSuccessStatusCode();
        await (await tenant.Admin.PostAsync($"/v1/rules/{id}/activate", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "rule_archived");
        await (await tenant.Admin.PostAsync($"/v1/rules/{id}/pause", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "rule_archived");
        await (await tenant.ReviseAsync(id, Simple(name: "again"), "\"1\"")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "rule_archived");

        (await tenant.Admin.GetJsonAsync($"/v1/rules/{id}")).GetProperty("status").GetString().ShouldBe("archived");
    }

    [Fact]
    public async Task Lists_filter_by_status_newest_first_and_page()
    {
        var tenant = await app.CreateTenantAsync();
        var first = (await tenant.CreateAsync(Simple(priority: 1))).GetProperty("id").GetString()!;
        var second = await tenant.CreateActiveAsync(Simple(priority: 2));
        var third = (await tenant.CreateAsync(Simple(priority: 3))).GetProperty("id").GetString()!;
        static IEnumerable<string?> Ids(System.Text.Json.JsonElement page) =>
            page.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("id").GetString());

        Ids(await tenant.Admin.GetJsonAsync("/v1/rules")).ShouldBe([third, second, first]);
        Ids(await tenant.Admin.GetJsonAsync("/v1/rules?status=active")).ShouldBe([second]);
        Ids(await tenant.Admin.GetJsonAsync("/v1/rules?status=draft")).ShouldBe([third, first]);
        var page = await tenant.Admin.GetJsonAsync($"/v1/rules?limit=1&startingAfter={third}");
        Ids(page).ShouldBe([second]);
        page.GetProperty("hasMore").GetBoolean().ShouldBeTrue();
        await (await tenant.Admin.GetAsync("/v1/rules?status=sleeping")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_rule_id_is_never_taken_for_a_customer_id()
    {
        var tenant = await app.CreateTenantAsync();
        var id = (await tenant.CreateAsync(Simple())).GetProperty("id").GetString()!;

        var problem = await (await tenant.Ingest.PostAsync($"/v1/customers/{id}/activities", Json(new System.Text.Json.Nodes.JsonObject { ["type"] = "login" })))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        problem.FieldErrors("customerId").ShouldHaveSingleItem().ShouldContain("rule id");
        (await tenant.Admin.GetJsonAsync($"/v1/rules/{id}/versions")).GetProperty("data").GetArrayLength().ShouldBe(1);
    }
}
