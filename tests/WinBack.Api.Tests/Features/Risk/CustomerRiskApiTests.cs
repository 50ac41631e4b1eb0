using System.Net;
using System.Text.Json;
using WinBack.Api.Features.Risk;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Risk;

namespace WinBack.Api.Tests.Features.Risk;

/// <summary>Scores on customers through the API: risk on GET /v1/customers/{id} and the maxPAlive filter, on a test clock.</summary>
public sealed class CustomerRiskApiTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static string Id(int i) => $"c{i:D4}";

    [Fact]
    public async Task Risk_is_scored_at_the_tenants_time_with_the_fitted_model_and_maxPAlive_filters_on_it()
    {
        var tenant = await app.CreateTenantAsync();
        var histories = BgNbdFitterTests.Simulate(RiskModelApiTests.Truth, 700, seed: 11);
        await RiskModelApiTests.RecordAsync(tenant, histories, seed: 11);
        var repeat = Enumerable.Range(0, histories.Count).First(i => histories[i].X > 1);
        var oneTime = Enumerable.Range(0, histories.Count).First(i => histories[i].X == 0);

        // Before a fit: no score, and a score filter says why it cannot answer.
        (await tenant.CustomerAsync(Id(repeat))).GetProperty("risk").ValueKind.ShouldBe(JsonValueKind.Null);
        await (await tenant.Ingest.GetAsync("/v1/customers?maxPAlive=0.3")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "risk_model_missing");
        foreach (var bad in new[] { "0", "-0.1", "1.5", "abc" })
            (await tenant.Ingest.GetAsync($"/v1/customers?maxPAlive={bad}")).StatusCode.ShouldBe(HttpStatusCode.BadRequest, bad);

        (await RiskModelApiTests.RefitAsync(tenant)).GetProperty("outcome").GetString().ShouldBe("fitted");
        var model = await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/risk-model"), 200);
        var q = model.GetProperty("parameters");
        var p = new BgNbdParameters(q.GetProperty("r").GetDouble(), q.GetProperty("alpha").GetDouble(), q.GetProperty("a").GetDouble(),
            q.GetProperty("b").GetDouble());

        // The same (x, t_x, T) the purchases were recorded from, with the reported parameters.
        var risk = (await tenant.CustomerAsync(Id(repeat))).GetProperty("risk");
        risk.GetProperty("pAlive").GetDouble().ShouldBe(BgNbd.PAlive(p, histories[repeat]), 1e-6);
        risk.GetProperty("expectedPurchases90d").GetDouble().ShouldBe(BgNbdFormulas.ExpectedPurchases(p, histories[repeat], 90), 1e-6);
        risk.GetProperty("model").GetString().ShouldBe("bgnbd");
        risk.GetProperty("fittedAt").GetDateTimeOffset().ShouldBe(model.GetProperty("fittedAt").GetDateTimeOffset());
        // Set only once pAlive fell below the tenant's threshold, 0.3 by default (the dates: AtRiskSinceTests).
        (risk.GetProperty("atRiskSince").ValueKind == JsonValueKind.Null).ShouldBe(BgNbd.PAlive(p, histories[repeat]) >= 0.3);
        var updated = await EngineRequests.ReadAsync(await tenant.Ingest.PutAsync($"/v1/customers/{Id(repeat)}",
            RuleRequests.Json(new System.Text.Json.Nodes.JsonObject { ["email"] = "ada@example.com" })), 200);
        updated.GetProperty("risk").GetProperty("pAlive").GetDouble().ShouldBe(risk.GetProperty("pAlive").GetDouble());
        var single = (await tenant.CustomerAsync(Id(oneTime))).GetProperty("risk");
        single.GetProperty("pAlive").GetDouble().ShouldBe(1.0);
        single.GetProperty("expectedPurchases90d").GetDouble().ShouldBe(BgNbdFormulas.ExpectedPurchases(p, histories[oneTime], 90), 1e-6);

        // maxPAlive keeps exactly the customers at or below it, across pages.
        var expected = Enumerable.Range(0, histories.Count).Where(i => BgNbd.PAlive(p, histories[i]) <= 0.3).Select(Id).ToList();
        expected.Count.ShouldBeGreaterThan(20); // several pages of 20
        (await ListAsync(tenant, "maxPAlive=0.3")).ShouldBe(expected);

        // Thirty days later, without a refit: a repeat buyer's pAlive is lower, as the model says for T + 30.
        await tenant.AdvanceAsync((await tenant.ReadClockAsync()).AddDays(30));
        var later = (await tenant.CustomerAsync(Id(repeat))).GetProperty("risk").GetProperty("pAlive").GetDouble();
        later.ShouldBeLessThan(risk.GetProperty("pAlive").GetDouble());
        later.ShouldBe(BgNbd.PAlive(p, histories[repeat] with { T = histories[repeat].T + 30 }), 1e-6);
        (await tenant.CustomerAsync(Id(oneTime))).GetProperty("risk").GetProperty("pAlive").GetDouble().ShouldBe(1.0);
    }

    internal static async Task<List<string>> ListAsync(TestTenant tenant, string filter)
    {
        List<string> ids = [];
        for (var more = true; more;)
        {
            var after = ids.Count > 0 ? $"&startingAfter={ids[^1]}" : "";
            var page = await EngineRequests.ReadAsync(await tenant.Ingest.GetAsync($"/v1/customers?{filter}&limit=20{after}"), 200);
            ids.AddRange(page.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("id").GetString()!));
            more = page.GetProperty("hasMore").GetBoolean();
        }
        return ids;
    }
}
