using System.Net;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Infrastructure;
using static WinBack.Api.Tests.Features.Rules.RuleRequests;

namespace WinBack.Api.Tests.Features.Rules;

public sealed class RuleOverlapTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static JsonObject ForChannel(string channel, int priority = 10)
    {
        var rule = Simple(priority, $"{channel} customers");
        rule["eligibility"] = new JsonObject { ["attributes"] = new JsonObject { ["channel"] = channel } };
        return rule;
    }

    [Fact]
    public async Task Activating_an_overlapping_rule_with_the_same_priority_is_409_naming_both()
    {
        var tenant = await app.CreateTenantAsync();
        var active = await tenant.CreateActiveAsync(Simple(priority: 10));
        var rival = (await tenant.CreateAsync(Simple(priority: 10))).GetProperty("id").GetString()!;

        var problem = await (await tenant.Admin.PostAsync($"/v1/rules/{rival}/activate", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "rule_overlap");

        problem.GetProperty("detail").GetString()!.ShouldContain(active);
        problem.GetProperty("detail").GetString()!.ShouldContain(rival);
        (await tenant.Admin.GetJsonAsync($"/v1/rules/{rival}")).GetProperty("status").GetString().ShouldBe("draft");
    }

    [Fact]
    public async Task Another_priority_or_an_exclusive_audience_may_run_beside()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.CreateActiveAsync(ForChannel("web"));

        await tenant.CreateActiveAsync(ForChannel("app"));
        await tenant.CreateActiveAsync(Simple(priority: 11));
    }

    [Fact]
    public async Task Revising_an_active_rule_into_an_overlap_is_409_and_keeps_the_old_version()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.CreateActiveAsync(Simple(priority: 10));
        var other = await tenant.CreateActiveAsync(Simple(priority: 20));

        await (await tenant.ReviseAsync(other, Simple(priority: 10), "\"1\"")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "rule_overlap");

        (await tenant.Admin.GetJsonAsync($"/v1/rules/{other}")).GetProperty("priority").GetInt32().ShouldBe(20);
    }

    [Fact]
    public async Task Of_two_overlapping_rules_activated_at_once_exactly_one_becomes_active()
    {
        var tenant = await app.CreateTenantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
            ids.Add((await tenant.CreateAsync(Simple(priority: 5))).GetProperty("id").GetString()!);

        var answers = await Task.WhenAll(ids.Select(id => tenant.Admin.PostAsync($"/v1/rules/{id}/activate", null)));

        answers.Count(a => a.StatusCode == HttpStatusCode.OK).ShouldBe(1);
        answers.Count(a => a.StatusCode == HttpStatusCode.Conflict).ShouldBe(3);
        (await tenant.Admin.GetJsonAsync("/v1/rules?status=active")).GetProperty("data").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task A_paused_rule_does_not_block_but_blocks_again_when_resumed()
    {
        var tenant = await app.CreateTenantAsync();
        var first = await tenant.CreateActiveAsync(Simple(priority: 10));
        (await tenant.Admin.PostAsync($"/v1/rules/{first}/pause", null)).EnsureSuccessStatusCode();

        await tenant.CreateActiveAsync(Simple(priority: 10));

        await (await tenant.Admin.PostAsync($"/v1/rules/{first}/activate", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "rule_overlap");
    }
}
