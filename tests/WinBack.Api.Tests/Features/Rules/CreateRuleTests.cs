using System.Net;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;
using static WinBack.Api.Tests.Features.Rules.RuleRequests;

namespace WinBack.Api.Tests.Features.Rules;

public sealed class CreateRuleTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task The_issue_example_creates_a_draft_at_version_1_and_reads_back_the_same()
    {
        var tenant = await app.CreateTenantAsync();

        var response = await tenant.Admin.PostAsync("/v1/rules", Json(Example()));
        var created = await response.ReadAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        response.Headers.ETag!.Tag.ShouldBe("\"1\"");
        created.GetProperty("id").GetString()!.ShouldStartWith("rule_");
        created.GetProperty("version").GetInt32().ShouldBe(1);
        created.GetProperty("status").GetString().ShouldBe("draft");
        created.GetProperty("createdAt").GetDateTimeOffset().ShouldBe(app.Clock.GetUtcNow());
        var sent = JsonDocument.Parse(IssueExample).RootElement;
        foreach (var field in sent.EnumerateObject().Where(f => f.Value.ValueKind != JsonValueKind.Null))
            Normalize(created.GetProperty(field.Name)).ShouldBe(Normalize(field.Value), field.Name);

        var read = await tenant.Admin.GetJsonAsync($"/v1/rules/{created.GetProperty("id").GetString()}");
        read.GetRawText().ShouldBe(created.GetRawText());
    }

    [Fact]
    public async Task Defaults_are_filled_in()
    {
        var tenant = await app.CreateTenantAsync();

        var created = await tenant.CreateAsync(Simple());

        created.GetProperty("priority").GetInt32().ShouldBe(10);
        created.GetProperty("attributionDays").GetInt32().ShouldBe(90);
        created.GetProperty("reward").GetProperty("grant").GetString().ShouldBe("immediate");
        created.GetProperty("trigger").GetProperty("activityTypes").GetArrayLength().ShouldBe(0);
        created.GetProperty("experiment").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task Rules_need_an_admin_key()
    {
        var tenant = await app.CreateTenantAsync();

        await (await tenant.Ingest.PostAsync("/v1/rules", Json(Simple()))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        await (await tenant.Ingest.GetAsync("/v1/rules")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
    }

    // Nulls the API writes for absent optional fields compare equal to absent ones; objects compare by content.
    private static string Normalize(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject()
            .Where(p => p.Value.ValueKind != JsonValueKind.Null && !(p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() == 0))
            .OrderBy(p => p.Name).Select(p => $"{p.Name}:{Normalize(p.Value)}")) + "}",
        JsonValueKind.Array => "[" + string.Join(",", element.EnumerateArray().Select(Normalize)) + "]",
        _ => element.GetRawText(),
    };
}
