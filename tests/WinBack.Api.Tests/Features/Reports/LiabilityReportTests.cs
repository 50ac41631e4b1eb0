using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Reports;

/// <summary>
/// GET /v1/reports/liability on a test clock: three credits, a partial redemption, a redemption reversed the next day, an expiry and a
/// revocation, each on its own day; the series, the outstanding credit and the expiring windows are worked out here by hand.
/// </summary>
public sealed class LiabilityReportTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");
    private static readonly DateOnly D0 = DateOnly.FromDateTime(T0.UtcDateTime);

    private static async Task<JsonElement> LiabilityAsync(TestTenant tenant, string query = "") =>
        await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/reports/liability" + query), 200);

    private static long[] Eur(JsonElement moneys) =>
        moneys.EnumerateArray().Where(m => m.GetProperty("currency").GetString() == "eur").Select(m => m.GetProperty("amount").GetInt64()).ToArray();

    [Fact]
    public async Task Outstanding_credit_follows_issues_redemptions_reversals_expiry_and_revocation_day_by_day()
    {
        var tenant = await app.CreateTenantAsync();
        // Another tenant's credit, redeemed and not, never shows.
        var other = await app.CreateTenantAsync();
        await other.RedeemAsync(await other.IssueCreditAsync("cus_a", 90_000, expiresInDays: 3), "o_other", 10);

        var kept = await tenant.IssueCreditAsync("cus_a", 1000, expiresInDays: 30);      // day 0: 1000, used 300 on day 1
        var lapses = await tenant.IssueCreditAsync("cus_b", 500, expiresInDays: 5);      // day 0: 500, expires unused on day 5
        var refunded = await tenant.IssueCreditAsync("cus_c", 2000, expiresInDays: 15);  // day 0: 2000, 200 used on day 2, given back on day 3
        await tenant.AdvanceAsync(T0.AddDays(1));
        await tenant.RedeemAsync(kept, "o_1", 300);
        await tenant.AdvanceAsync(T0.AddDays(2));
        var redemption = (await tenant.RedeemAsync(refunded, "o_2", 200)).GetProperty("id").GetString();
        await tenant.AdvanceAsync(T0.AddDays(3));
        (await tenant.Ingest.PostAsync($"/v1/redemptions/{redemption}/reversal", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await tenant.AdvanceAsync(T0.AddDays(7));
        // day 7: a fourth credit, revoked on day 8 after 100 of it was used: its other 400 leaves.
        var revoked = await tenant.IssueCreditAsync("cus_d", 500, expiresInDays: 30);
        await tenant.RedeemAsync(revoked, "o_3", 100);
        await tenant.AdvanceAsync(T0.AddDays(8));
        await EngineRequests.ReadAsync(await tenant.Admin.PostAsync($"/v1/rewards/{revoked}/revoke", RuleRequests.Json(new JsonObject { ["reason"] = "fraud" })), 200);
        await tenant.AdvanceAsync(T0.AddDays(10));
        await app.ReportsCaughtUpAsync();

        var report = await LiabilityAsync(tenant, $"?from={D0.AddDays(-1):yyyy-MM-dd}&to={D0.AddDays(11):yyyy-MM-dd}");

        report.GetProperty("asOf").GetDateTimeOffset().ShouldBe(T0.AddDays(10));
        Eur(report.GetProperty("outstanding")).ShouldBe([700 + 2000]);
        long[] expected = [0, 3500, 3200, 3000, 3200, 3200, 2700, 2700, 3100, 2700, 2700, 2700, 2700];
        var daily = report.GetProperty("daily").EnumerateArray().ToArray();
        daily.Select(d => DateOnly.Parse(d.GetProperty("date").GetString()!)).ShouldBe(Enumerable.Range(-1, 13).Select(D0.AddDays));
        daily.Select(d => Eur(d.GetProperty("outstanding")).SingleOrDefault()).ShouldBe(expected);
        daily[0].GetProperty("outstanding").GetArrayLength().ShouldBe(0);

        // Day 10: the refunded credit (all 2000 back) expires on day 15, within 7 days; the kept one (700 left) on day 30, within 30.
        var expiring = report.GetProperty("expiring").EnumerateArray().ToArray();
        expiring.Select(e => e.GetProperty("days").GetInt32()).ShouldBe([7, 30]);
        expiring.Select(e => e.GetProperty("rewards").GetInt64()).ShouldBe([1, 2]);
        expiring.Select(e => Eur(e.GetProperty("credit")).Single()).ShouldBe([2000, 2700]);

        // The other tenant sees only its own credit.
        Eur((await LiabilityAsync(other)).GetProperty("outstanding")).ShouldBe([89_990]);
    }

    [Fact]
    public async Task The_range_follows_the_overviews_rules_and_names_the_bad_field()
    {
        var tenant = await app.CreateTenantAsync();
        var report = await LiabilityAsync(tenant);
        report.GetProperty("daily").GetArrayLength().ShouldBe(90);
        report.GetProperty("daily")[89].GetProperty("date").GetString().ShouldBe($"{D0:yyyy-MM-dd}");
        report.GetProperty("outstanding").GetArrayLength().ShouldBe(0);
        report.GetProperty("expiring").EnumerateArray().Select(e => e.GetProperty("rewards").GetInt64()).ShouldBe([0, 0]);

        foreach (var (query, field) in new[]
                 {
                     ("?from=2026-13-01", "from"), ("?to=1969-12-31", "to"), ("?from=2026-11-24&to=2026-11-23", "to"),
                     ("?from=2024-01-01&to=2026-01-01", "to"), ("?from=2020-01-01", "from"), ("?from=", "from"),
                 })
        {
            var problem = await (await tenant.Admin.GetAsync("/v1/reports/liability" + query)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            problem.FieldErrors(field).ShouldNotBeEmpty(query);
        }
        (await tenant.Ingest.GetAsync("/v1/reports/liability")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
