using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Reports;

/// <summary>
/// GET /v1/reports/returns on a test clock: four customers lapse 30 days after a purchase (on 2026-12-24, a held-out arm among
/// them); one comes back 2 days later (week 0), one 22 days later (week 3), one 100 days later (after the 13 weeks), one never.
/// </summary>
public sealed class ReturnsReportTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    private static JsonObject Rule() => JsonNode.Parse("""
        {
          "name": "30 days quiet", "trigger": { "type": "inactivity", "days": 30 },
          "reward": { "type": "account_credit", "amount": 500, "currency": "eur", "expiresInDays": 14 },
          "experiment": { "holdoutPercent": 50, "variants": [ { "name": "A", "weight": 1 } ] }
        }
        """)!.AsObject();

    private static async Task<JsonElement> ReturnsAsync(TestTenant tenant, string query = "") =>
        await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/reports/returns" + query), 200);

    private static long[] Longs(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt64()).ToArray();

    [Fact]
    public async Task Each_lapse_month_counts_its_episodes_and_the_week_they_came_back_in()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.CreateActiveAsync(Rule());
        foreach (var id in new[] { "cus_week0", "cus_week3", "cus_later", "cus_never" })
            await tenant.ActivityAsync(id, "purchase", amount: 1000);
        // Another tenant's customer lapses the same day and comes back in week 0: it never counts here.
        var other = await app.CreateTenantAsync();
        await other.CreateActiveAsync(Rule());
        await other.ActivityAsync("cus_week0", "purchase", amount: 1000);
        await other.AdvanceAsync(T0.AddDays(31));
        await other.ActivityAsync("cus_week0", "purchase", amount: 1000);

        foreach (var (day, id) in new[] { (32, "cus_week0"), (52, "cus_week3"), (130, "cus_later") })
        {
            await tenant.AdvanceAsync(T0.AddDays(day));
            await tenant.ActivityAsync(id, "purchase", amount: 700);
        }
        await app.ReportsCaughtUpAsync();

        var report = await ReturnsAsync(tenant);
        report.GetProperty("asOf").GetDateTimeOffset().ShouldBe(T0.AddDays(130));
        report.GetProperty("weeks").GetInt32().ShouldBe(13);
        var cohorts = report.GetProperty("cohorts").EnumerateArray().ToArray();
        // The 12 months to the tenant's month (2027-04), every one present.
        cohorts.Select(c => c.GetProperty("lapseMonth").GetString()).ShouldBe(
            Enumerable.Range(0, 12).Select(i => new DateOnly(2026, 5, 1).AddMonths(i).ToString("yyyy-MM")));
        var december = cohorts.Single(c => c.GetProperty("lapseMonth").GetString() == "2026-12");
        december.GetProperty("lapsed").GetInt64().ShouldBe(4);
        Longs(december.GetProperty("returnedByWeek")).ShouldBe([1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        december.GetProperty("returnedLater").GetInt64().ShouldBe(1);
        december.GetProperty("returned30").GetInt64().ShouldBe(2);
        december.GetProperty("returned60").GetInt64().ShouldBe(2);
        december.GetProperty("returned90").GetInt64().ShouldBe(2);
        // Those back in week 0 and week 3 went quiet again 30 days after their return: one new episode in January, one in February.
        cohorts.Select(c => c.GetProperty("lapsed").GetInt64()).ShouldBe([0, 0, 0, 0, 0, 0, 0, 4, 1, 1, 0, 0]);
        cohorts.Where(c => c.GetProperty("lapseMonth").GetString() != "2026-12")
            .ShouldAllBe(c => Longs(c.GetProperty("returnedByWeek")).Sum() == 0 && c.GetProperty("returned90").GetInt64() == 0);

        var narrow = await ReturnsAsync(tenant, "?from=2026-12&to=2026-12");
        narrow.GetProperty("cohorts").GetArrayLength().ShouldBe(1);
        narrow.GetProperty("cohorts")[0].GetProperty("lapsed").GetInt64().ShouldBe(4);
        (await ReturnsAsync(other, "?from=2026-12&to=2026-12")).GetProperty("cohorts")[0].GetProperty("lapsed").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task Bad_months_and_spans_are_400s_naming_the_field()
    {
        var tenant = await app.CreateTenantAsync();
        foreach (var (query, field) in new[]
                 {
                     ("?from=2026-13", "from"), ("?from=2026-1", "from"), ("?to=26-01", "to"), ("?to=1969-12", "to"), ("?from=2100-01", "from"),
                     ("?from=2027-02&to=2027-01", "to"), ("?from=2020-01&to=2026-01", "to"), ("?from=2020-01", "from"), ("?from=2026-01-01", "from"),
                 })
        {
            var problem = await (await tenant.Admin.GetAsync("/v1/reports/returns" + query)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            problem.FieldErrors(field).ShouldNotBeEmpty(query);
        }
        var widest = await ReturnsAsync(tenant, "?from=2024-01&to=2026-12");
        widest.GetProperty("cohorts").GetArrayLength().ShouldBe(36);
        (await tenant.Ingest.GetAsync("/v1/reports/returns")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
