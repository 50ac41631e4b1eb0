using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Infrastructure.Http;

/// <summary>Every date the API takes lies between 1970-01-01 and 2100-01-01; the ends of the calendar are a 400 naming the field.</summary>
public sealed class DateRangeTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task ShouldNameAsync(HttpResponseMessage response, string field) =>
        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).FieldErrors(field).ShouldNotBeEmpty();

    [Fact]
    public async Task Dates_at_the_ends_of_the_calendar_are_refused_naming_the_field()
    {
        var tenant = await app.CreateTenantAsync();
        var rule = await (await tenant.Admin.PostAsync("/v1/rules", Json("""
            {"name":"r","trigger":{"type":"inactivity","days":30},"reward":{"type":"account_credit","amount":500,"currency":"eur","expiresInDays":30}}
            """))).Content.ReadFromJsonAsync<JsonElement>();
        var ruleId = rule.GetProperty("id").GetString();

        await ShouldNameAsync(await tenant.Admin.PostAsync($"/v1/rules/{ruleId}/preview?asOf=0001-01-01T00:00:00Z", null), "asOf");
        await ShouldNameAsync(await tenant.Admin.GetAsync("/v1/reports/overview?from=9999-12-31&to=9999-12-31"), "from");
        await ShouldNameAsync(await tenant.Admin.GetAsync("/v1/reports/reactivation?to=0001-01-01"), "to");
        await ShouldNameAsync(await tenant.Admin.GetAsync("/v1/customers/cus_1/ledger?asOf=9999-12-31T23:59:59Z"), "asOf");
        await ShouldNameAsync(await tenant.Admin.GetAsync("/v1/customers?lastActivityBefore=1969-12-31T23:59:59Z"), "lastActivityBefore");
        await ShouldNameAsync(await tenant.Admin.PostAsync("/v1/test-clock/advance", Json("""{"to":"9999-12-31T00:00:00Z"}""")), "to");
        await ShouldNameAsync(await tenant.Ingest.PostAsync("/v1/customers/cus_1/activities", Json("""{"type":"login","occurredAt":"0001-01-01T00:00:00Z"}""")), "occurredAt");
        (await tenant.Admin.PostAsync($"/v1/rules/{ruleId}/preview?asOf=2099-12-31T00:00:00Z", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_overviews_400_day_cap_holds_when_only_from_is_given()
    {
        var tenant = await app.CreateTenantAsync();

        var problem = await (await tenant.Admin.GetAsync("/v1/reports/overview?from=1970-01-01"))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var withinCap = await tenant.Admin.GetFromJsonAsync<JsonElement>("/v1/reports/overview?from=2025-11-25");
        var fullCap = await tenant.Admin.GetFromJsonAsync<JsonElement>("/v1/reports/overview?to=2100-01-01&from=2098-11-28");

        problem.FieldErrors("from").Single().ShouldContain("400 days");
        withinCap.GetProperty("daily").GetArrayLength().ShouldBe(365, "2025-11-25 to the tenant's today, 2026-11-24");
        fullCap.GetProperty("daily").GetArrayLength().ShouldBe(400);
        (await tenant.Admin.GetAsync("/v1/reports/overview?from=2026-12-01")).StatusCode.ShouldBe(HttpStatusCode.BadRequest, "after today, the default 'to'");
    }
}
