using System.Net;
using WinBack.Api.Features.Risk;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Risk;

namespace WinBack.Api.Tests.Features.Risk;

/// <summary>GET /v1/reports/risk on a simulated population, checked against the model's formulas applied to the same histories.</summary>
public sealed class RiskReportTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task The_risk_report_counts_deciles_value_at_risk_and_expected_purchases_of_the_model_in_force()
    {
        var tenant = await app.CreateTenantAsync();
        var histories = BgNbdFitterTests.Simulate(RiskModelApiTests.Truth, 700, seed: 13);
        await RiskModelApiTests.RecordAsync(tenant, histories, seed: 13);
        await (await tenant.Admin.GetAsync("/v1/reports/risk")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "risk_model_missing");

        (await RiskModelApiTests.RefitAsync(tenant)).GetProperty("outcome").GetString().ShouldBe("fitted");
        var q = (await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/risk-model"), 200)).GetProperty("parameters");
        var p = new BgNbdParameters(q.GetProperty("r").GetDouble(), q.GetProperty("alpha").GetDouble(), q.GetProperty("a").GetDouble(),
            q.GetProperty("b").GetDouble());
        var report = await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/reports/risk"), 200);

        // Every purchase was 25 eur, so a customer's lifetime value is 2500 × (x + 1).
        var pAlive = histories.Select(h => BgNbd.PAlive(p, h)).ToList();
        var atRisk = Enumerable.Range(0, histories.Count).Where(i => pAlive[i] < 0.5).ToList();
        report.GetProperty("customers").GetInt64().ShouldBe(700);
        report.GetProperty("deciles").EnumerateArray().Select(d => d.GetProperty("customers").GetInt64())
            .ShouldBe(Enumerable.Range(0, 10).Select(k => (long)pAlive.Count(x => Math.Min((int)Math.Floor(x * 10), 9) == k)));
        report.GetProperty("deciles")[9].GetProperty("customers").GetInt64().ShouldBeGreaterThanOrEqualTo(histories.Count(h => h.X == 0));
        report.GetProperty("atRiskCustomers").GetInt64().ShouldBe(atRisk.Count);
        atRisk.Count.ShouldBeGreaterThan(0);
        var value = report.GetProperty("lifetimeValueAtRisk").EnumerateArray().ShouldHaveSingleItem();
        (value.GetProperty("amount").GetInt64(), value.GetProperty("currency").GetString())
            .ShouldBe((atRisk.Sum(i => 2500L * (histories[i].X + 1)), "eur"));
        report.GetProperty("expectedPurchases90d").GetDouble()
            .ShouldBe(histories.Sum(h => BgNbdFormulas.ExpectedPurchases(p, h, 90)), 1e-3);

        // Admins only; another tenant without a model has no distribution.
        (await tenant.Ingest.GetAsync("/v1/reports/risk")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var other = await app.CreateTenantAsync();
        await (await other.Admin.GetAsync("/v1/reports/risk")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "risk_model_missing");
    }
}
