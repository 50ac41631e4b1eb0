using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Risk;

namespace WinBack.Api.Tests.Features.Risk;

/// <summary>The tenant's at-risk threshold (PATCH /v1/settings) and risk.atRiskSince on customers.</summary>
public sealed class AtRiskSinceTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static string Id(int i) => $"c{i:D4}";

    private static async Task<JsonElement> SettingsAsync(TestTenant tenant, double? threshold, int status = 200) =>
        await EngineRequests.ReadAsync(await tenant.Admin.PatchAsync("/v1/settings",
            RuleRequests.Json(new JsonObject { ["atRiskThreshold"] = threshold })), status);

    [Fact]
    public async Task The_threshold_defaults_to_0_3_and_must_lie_strictly_between_0_and_1()
    {
        var tenant = await app.CreateTenantAsync();
        (await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/settings"), 200)).GetProperty("atRiskThreshold").GetDouble().ShouldBe(0.3);

        foreach (var bad in new[] { 0, 1, -0.1, 1.5 })
        {
            var problem = await (await tenant.Admin.PatchAsync("/v1/settings", RuleRequests.Json(new JsonObject { ["atRiskThreshold"] = bad })))
                .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe(["atRiskThreshold"], bad.ToString());
        }
        (await SettingsAsync(tenant, 0.25)).GetProperty("atRiskThreshold").GetDouble().ShouldBe(0.25);
        // A PATCH without the field leaves it; another tenant keeps its default; ingest keys cannot change it.
        (await SettingsAsync(tenant, null)).GetProperty("atRiskThreshold").GetDouble().ShouldBe(0.25);
        var other = await app.CreateTenantAsync();
        (await EngineRequests.ReadAsync(await other.Admin.GetAsync("/v1/settings"), 200)).GetProperty("atRiskThreshold").GetDouble().ShouldBe(0.3);
        (await tenant.Ingest.PatchAsync("/v1/settings", RuleRequests.Json(new JsonObject { ["atRiskThreshold"] = 0.5 })))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AtRiskSince_is_the_first_purchase_plus_the_crossing_age_once_that_has_passed()
    {
        var tenant = await app.CreateTenantAsync();
        var histories = BgNbdFitterTests.Simulate(RiskModelApiTests.Truth, 700, seed: 17);
        await RiskModelApiTests.RecordAsync(tenant, histories, seed: 17);
        var now = await tenant.ReadClockAsync();
        (await RiskModelApiTests.RefitAsync(tenant)).GetProperty("outcome").GetString().ShouldBe("fitted");
        var q = (await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/risk-model"), 200)).GetProperty("parameters");
        var p = new BgNbdParameters(q.GetProperty("r").GetDouble(), q.GetProperty("alpha").GetDouble(), q.GetProperty("a").GetDouble(),
            q.GetProperty("b").GetDouble());
        var all = Enumerable.Range(0, histories.Count).ToList();
        var atRisk = all.First(i => histories[i].X > 0 && BgNbd.PAlive(p, histories[i]) < 0.3);
        var middling = all.First(i => histories[i].X > 0 && BgNbd.PAlive(p, histories[i]) is > 0.4 and < 0.8);
        var oneTime = all.First(i => histories[i].X == 0);

        async Task<JsonElement> Since(int i) => (await tenant.CustomerAsync(Id(i))).GetProperty("risk").GetProperty("atRiskSince");
        DateTimeOffset Expected(int i, double threshold) =>
            now.AddDays(-histories[i].T).AddDays(BgNbd.AtRiskAge(p, histories[i].X, histories[i].Tx, threshold)!.Value);

        // Below the default 0.3: at risk since the moment the model says pAlive crossed it, which has passed.
        var since = (await Since(atRisk)).GetDateTimeOffset();
        (since - Expected(atRisk, 0.3)).Duration().ShouldBeLessThan(TimeSpan.FromSeconds(1));
        since.ShouldBeLessThanOrEqualTo(now);
        (await Since(middling)).ValueKind.ShouldBe(JsonValueKind.Null);
        (await Since(oneTime)).ValueKind.ShouldBe(JsonValueKind.Null);

        // A higher threshold: the middling customer is at risk too, since pAlive fell below 0.9.
        await SettingsAsync(tenant, 0.9);
        ((await Since(middling)).GetDateTimeOffset() - Expected(middling, 0.9)).Duration().ShouldBeLessThan(TimeSpan.FromSeconds(1));
        (await Since(oneTime)).ValueKind.ShouldBe(JsonValueKind.Null);
    }
}
