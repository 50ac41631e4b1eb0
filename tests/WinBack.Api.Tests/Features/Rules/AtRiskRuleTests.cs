using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Risk;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Common;
using WinBack.Domain.Risk;
using WinBack.Domain.Rules;

namespace WinBack.Api.Tests.Features.Rules;

/// <summary>The at_risk trigger end to end on a test clock: backdated purchases, a refit, crossings, a new cycle, the holdout and the report.</summary>
public sealed class AtRiskRuleTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private const double Threshold = 0.3;
    private static readonly TimeSpan Gap = TimeSpan.FromMinutes(10);

    private static string Id(int i) => $"c{i:D4}";

    private static JsonObject AtRiskRule(int holdoutPercent = 0) => new()
    {
        ["name"] = "at risk",
        ["priority"] = 10,
        ["trigger"] = new JsonObject { ["type"] = "at_risk", ["pAliveBelow"] = Threshold },
        ["reward"] = new JsonObject { ["type"] = "account_credit", ["amount"] = 500, ["currency"] = "eur", ["expiresInDays"] = 30 },
        ["experiment"] = holdoutPercent > 0 ? new JsonObject { ["holdoutPercent"] = holdoutPercent } : null,
    };

    // The rule as the domain sees it, for the experiment's assignment.
    private static RuleDefinition Definition(int holdoutPercent) => new("at risk", 10, new Trigger(TriggerType.AtRisk, 0, []) { PAliveBelow = Threshold },
        Eligibility.Everyone, new RewardSpec(RewardType.AccountCredit, new Money(500, "eur"), null, null, null, null, 30, RewardGrant.Immediate),
        Limits.None, new Experiment(holdoutPercent, []), null, RuleDefinition.DefaultAttributionDays);

    [Fact]
    public async Task An_at_risk_rule_catches_each_customer_at_their_crossing_once_per_purchase_cycle_and_reports_the_holdout()
    {
        var tenant = await app.CreateTenantAsync();
        var histories = BgNbdFitterTests.Simulate(RiskModelApiTests.Truth, 700, seed: 23);
        var start = await tenant.ReadClockAsync();
        await RiskModelApiTests.RecordAsync(tenant, histories, seed: 23);
        (await RiskModelApiTests.RefitAsync(tenant)).GetProperty("outcome").GetString().ShouldBe("fitted");
        var p = await ParametersAsync(tenant);
        var ruleId = await tenant.CreateActiveAsync(AtRiskRule(holdoutPercent: 20));
        (await tenant.Admin.GetJsonAsync($"/v1/rules/{ruleId}")).GetProperty("waitingFor").ValueKind.ShouldBe(JsonValueKind.Null);

        // Each repeat buyer's crossing, from the closed form with the reported parameters: first purchase + T*(x, t_x).
        var crossings = new Dictionary<string, DateTimeOffset>();
        for (var i = 0; i < histories.Count; i++)
            if (histories[i].X > 0)
                crossings[Id(i)] = Crossing(start.AddDays(-histories[i].T), p, histories[i].X, histories[i].Tx);
        var isHoldout = (string c) => ExperimentAssignment.Assign(tenant.Id, ruleId, c, Definition(20)) == Variant.Holdout;
        // A treated customer crossing a day or more from now, with nobody else crossing within the gap of them.
        var target = crossings.Where(c => c.Value > start.AddDays(1) && !isHoldout(c.Key)
                                          && crossings.All(o => o.Key == c.Key || (o.Value - c.Value).Duration() > Gap))
            .MinBy(c => c.Value);
        var crossing = target.Value;

        // The preview sees the same crossings ahead of time: who would be caught by then, and who is held out.
        var preview = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync(
            $"/v1/rules/{ruleId}/preview?asOf={Uri.EscapeDataString((crossing + Gap).ToString("O"))}", null), 200);
        var previewed = crossings.Where(c => c.Value <= crossing + Gap).Select(c => c.Key).ToList();
        preview.GetProperty("lapsed").GetInt32().ShouldBe(previewed.Count);
        preview.GetProperty("holdout").GetInt32().ShouldBe(previewed.Count(isHoldout));
        preview.GetProperty("waitingFor").ValueKind.ShouldBe(JsonValueKind.Null);

        // Just before the target's crossing: exactly the customers whose crossing has passed are caught, one-time buyers never.
        await tenant.AdvanceAsync(crossing - TimeSpan.FromMinutes(1));
        var caught = await LapsedAsync(tenant);
        caught.ShouldBe(crossings.Where(c => c.Value < crossing).Select(c => c.Key), ignoreOrder: true);
        caught.Count.ShouldBeGreaterThan(20);
        (await tenant.EventsAsync(target.Key, "customer_lapsed")).ShouldBeEmpty();

        // Just after it: the target too, lapsed at the exact crossing, rewarded.
        await tenant.AdvanceAsync(crossing + Gap);
        var lapse = (await tenant.EventsAsync(target.Key, "customer_lapsed")).ShouldHaveSingleItem();
        (lapse.GetProperty("lapsedAt").GetDateTimeOffset() - crossing).Duration().ShouldBeLessThan(TimeSpan.FromMilliseconds(1));
        (await tenant.RewardsAsync(target.Key)).ShouldHaveSingleItem();
        caught = await LapsedAsync(tenant);
        caught.ShouldContain(target.Key);
        // Customers in their episode have no row due any more: sweeps read new crossings and customers active since the last read.
        (await Db.ScalarAsync(app.ConnectionString, "select count(*) from winback.risk_crossing where tenant_id = @tenant and crossing_at <= @now",
            tenant.Id, ("now", crossing + Gap))).ShouldBe(0);

        // The holdout gets nothing; everyone treated gets one reward.
        var held = caught.Where(isHoldout).ToList();
        held.ShouldNotBeEmpty();
        foreach (var c in held.Take(10))
            (await tenant.RewardsAsync(c)).ShouldBeEmpty(c);
        foreach (var c in caught.Where(c => !isHoldout(c)).Take(10))
            (await tenant.RewardsAsync(c)).ShouldHaveSingleItem(c);

        // A new purchase ends the episode; the next crossing follows from the new history, and only then is there a second reward.
        var now = await tenant.ReadClockAsync();
        await tenant.ActivityAsync(target.Key, "purchase", now, 4000);
        var h = histories[int.Parse(target.Key[1..])];
        var first = start.AddDays(-h.T);
        var next = Crossing(first, p, h.X + 1, (now - first).TotalDays);
        next.ShouldBeGreaterThan(now);
        await tenant.AdvanceAsync(next - TimeSpan.FromMinutes(1));
        (await tenant.EventsAsync(target.Key, "customer_lapsed")).Length.ShouldBe(1);
        // Its stored crossing was moved to the new one (a second early) when first read, so no sweep reads it again before then.
        var stored = await Db.ScalarAsync(app.ConnectionString, "select (extract(epoch from crossing_at) * 1000)::bigint from winback.risk_crossing " +
            "where tenant_id = @tenant and threshold = @threshold and customer_id = @customer", tenant.Id, ("threshold", Threshold), ("customer", target.Key));
        Math.Abs(stored - (next - TimeSpan.FromSeconds(1)).ToUnixTimeMilliseconds()).ShouldBeLessThanOrEqualTo(1);
        await tenant.AdvanceAsync(next + Gap);
        var lapses = await tenant.EventsAsync(target.Key, "customer_lapsed");
        lapses.Length.ShouldBe(2);
        (lapses[1].GetProperty("lapsedAt").GetDateTimeOffset() - next).Duration().ShouldBeLessThan(TimeSpan.FromMilliseconds(1));
        (await tenant.RewardsAsync(target.Key)).Length.ShouldBe(2);

        // The report groups by trigger: at_risk episodes, the held-out ones, and the treated customer who came back by purchase.
        var lapsedNow = await LapsedAsync(tenant);
        var row = await Eventually.ReadAsync(async () => (await tenant.Admin.GetJsonAsync("/v1/reports/reactivation?groupBy=trigger"))
                .GetProperty("rows").EnumerateArray().SingleOrDefault(r => r.GetProperty("trigger").GetString() == "at_risk"),
            r => r.ValueKind == JsonValueKind.Object && r.GetProperty("reactivated").GetInt64() >= 1
                                                      && r.GetProperty("lapsed").GetInt64() == lapsedNow.Count + 1,
            "the at_risk row counts every episode");
        row.GetProperty("holdout").GetInt64().ShouldBe(lapsedNow.Count(isHoldout));
        row.GetProperty("withheld").GetProperty("holdout").GetInt64().ShouldBe(lapsedNow.Count(isHoldout));
        row.GetProperty("rewarded").GetInt64().ShouldBe(lapsedNow.Count(c => !isHoldout(c)) + 1);

        // A customer who became a repeat buyer after the refit is caught at their own crossing too, without a refit.
        now = await tenant.ReadClockAsync();
        const string newcomer = "c9999";
        for (var day = 9; day >= 0; day--)
            await tenant.ActivityAsync(newcomer, "purchase", now.AddDays(-day), 1500);
        var newcomerCrossing = Crossing(now.AddDays(-9), p, 9, 9);
        newcomerCrossing.ShouldBeGreaterThan(now);
        await tenant.AdvanceAsync(newcomerCrossing - TimeSpan.FromMinutes(1));
        (await tenant.EventsAsync(newcomer, "customer_lapsed")).ShouldBeEmpty();
        await tenant.AdvanceAsync(newcomerCrossing + Gap);
        var newcomerLapse = (await tenant.EventsAsync(newcomer, "customer_lapsed")).ShouldHaveSingleItem();
        (newcomerLapse.GetProperty("lapsedAt").GetDateTimeOffset() - newcomerCrossing).Duration().ShouldBeLessThan(TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task An_at_risk_rule_without_a_model_is_saved_and_activated_and_says_it_waits_for_one()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.ActivityAsync("c1", "purchase", (await tenant.ReadClockAsync()).AddDays(-300), 1000);
        await tenant.ActivityAsync("c1", "purchase", (await tenant.ReadClockAsync()).AddDays(-290), 1000);

        var created = await tenant.CreateAsync(AtRiskRule());
        created.GetProperty("waitingFor").GetString().ShouldBe("risk_model");
        created.GetProperty("trigger").GetProperty("pAliveBelow").GetDouble().ShouldBe(Threshold);
        created.GetProperty("trigger").GetProperty("days").ValueKind.ShouldBe(JsonValueKind.Null);
        var id = created.GetProperty("id").GetString()!;
        var activated = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync($"/v1/rules/{id}/activate", null), 200);
        activated.GetProperty("status").GetString().ShouldBe("active");
        activated.GetProperty("waitingFor").GetString().ShouldBe("risk_model");
        (await tenant.Admin.GetJsonAsync($"/v1/rules/{id}")).GetProperty("waitingFor").GetString().ShouldBe("risk_model");
        (await tenant.Admin.GetJsonAsync("/v1/rules")).GetProperty("data").EnumerateArray().Single(r => r.GetProperty("id").GetString() == id)
            .GetProperty("waitingFor").GetString().ShouldBe("risk_model");

        var preview = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync($"/v1/rules/{id}/preview", null), 200);
        preview.GetProperty("waitingFor").GetString().ShouldBe("risk_model");
        preview.GetProperty("lapsed").GetInt32().ShouldBe(0);
        var inline = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync("/v1/rules/preview", RuleRequests.Json(AtRiskRule())), 200);
        inline.GetProperty("waitingFor").GetString().ShouldBe("risk_model");

        // A year on, nobody was caught: there is no model to say who is at risk.
        await tenant.AdvanceAsync((await tenant.ReadClockAsync()).AddDays(365));
        (await tenant.EventsAsync("c1", "customer_lapsed")).ShouldBeEmpty();
        // Other rules wait for nothing.
        (await tenant.CreateAsync(RuleRequests.Simple(priority: 20))).GetProperty("waitingFor").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_tenant_with_the_same_customer_ids_never_runs_on_another_tenants_model()
    {
        var histories = BgNbdFitterTests.Simulate(RiskModelApiTests.Truth, 600, seed: 31);
        var fitted = await app.CreateTenantAsync();
        await RiskModelApiTests.RecordAsync(fitted, histories, seed: 31);
        (await RiskModelApiTests.RefitAsync(fitted)).GetProperty("outcome").GetString().ShouldBe("fitted");
        await fitted.CreateActiveAsync(AtRiskRule());
        var unfitted = await app.CreateTenantAsync();
        await RiskModelApiTests.RecordAsync(unfitted, histories, seed: 31);
        var id = await unfitted.CreateActiveAsync(AtRiskRule());

        // The same customers, the same rule: the tenant without a model waits and catches nobody, the other one catches.
        (await unfitted.Admin.GetJsonAsync($"/v1/rules/{id}")).GetProperty("waitingFor").GetString().ShouldBe("risk_model");
        await unfitted.AdvanceAsync((await unfitted.ReadClockAsync()).AddDays(30));
        (await LapsedAsync(unfitted)).ShouldBeEmpty();
        await fitted.AdvanceAsync((await fitted.ReadClockAsync()).AddDays(30));
        (await LapsedAsync(fitted)).ShouldNotBeEmpty();
    }

    private static DateTimeOffset Crossing(DateTimeOffset first, BgNbdParameters p, int x, double tx) =>
        first + TimeSpan.FromTicks((long)Math.Round(BgNbd.AtRiskAge(p, x, tx, Threshold)!.Value * TimeSpan.TicksPerDay));

    private static async Task<BgNbdParameters> ParametersAsync(TestTenant tenant)
    {
        var q = (await tenant.Admin.GetJsonAsync("/v1/risk-model")).GetProperty("parameters");
        return new BgNbdParameters(q.GetProperty("r").GetDouble(), q.GetProperty("alpha").GetDouble(), q.GetProperty("a").GetDouble(),
            q.GetProperty("b").GetDouble());
    }

    private static Task<List<string>> LapsedAsync(TestTenant tenant) => CustomerRiskApiTests.ListAsync(tenant, "status=lapsed");
}
