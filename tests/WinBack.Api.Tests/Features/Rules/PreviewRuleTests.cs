using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Rules;
using static WinBack.Api.Tests.Features.Rules.RuleRequests;

namespace WinBack.Api.Tests.Features.Rules;

/// <summary>
/// Previews over a seeded set of customers. Every window is measured to <see cref="AsOf"/>; the expected numbers
/// are worked out by hand in the comments beside each customer and each assertion.
/// </summary>
public sealed class PreviewRuleTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private const string AsOf = "2026-11-24T09:00:00Z";

    // The rule of most tests: 90 days without any activity, at least 2 orders and 50 eur of lifetime value,
    // 10 eur credit, and a total budget of 25 eur (two credits).
    private static JsonObject Rule(int priority = 10)
    {
        var rule = Simple(priority, "90 days");
        rule["eligibility"] = new JsonObject { ["minOrderCount"] = 2, ["minLifetimeValue"] = Eur(5000) };
        rule["limits"] = new JsonObject { ["totalBudget"] = Eur(2500) };
        return rule;
    }

    private static JsonObject Eur(long amount) => new() { ["amount"] = amount, ["currency"] = "eur" };

    private async Task<TestTenant> SeedAsync()
    {
        var tenant = await app.CreateTenantAsync();
        async Task Buy(string id, long amount, string on) => await Post(id, new { type = "purchase", amount, currency = "eur", occurredAt = on + "T12:00:00Z" });
        async Task Post(string id, object body) => (await tenant.Ingest.PostAsJsonAsync($"/v1/customers/{id}/activities", body)).EnsureSuccessStatusCode();

        await Buy("c1", 3000, "2026-06-01"); await Buy("c1", 3000, "2026-05-01");   // crossed 90 days on 2026-08-30; eligible
        await Buy("c2", 6000, "2026-06-01");                                        // crossed; 1 order: order count
        await Buy("c3", 1000, "2026-05-01"); await Buy("c3", 1000, "2026-06-01");   // crossed; 20 eur: lifetime value
        await Buy("c4", 3000, "2026-04-01"); await Buy("c4", 3000, "2026-05-01");   // crossed on 2026-07-30; eligible
        await Buy("c5", 3000, "2026-05-01"); await Buy("c5", 3000, "2026-11-01");   // active: crosses 2027-01-30
        await Buy("c6", 3000, "2026-03-01"); await Buy("c6", 3000, "2026-07-01");   // last purchase crossed on 2026-09-29,
        await Post("c6", new { type = "login", occurredAt = "2026-11-20T12:00:00Z" }); // but logged in 4 days ago
        await Buy("c7", 3000, "2026-02-01"); await Buy("c7", 3000, "2026-03-01");   // crossed on 2026-05-30; eligible
        await Buy("c8", 3000, "2026-01-10"); await Buy("c8", 3000, "2026-01-20");   // cancelled 14 days ago
        await Post("c8", new { type = "subscription_cancelled", reason = "too_expensive", occurredAt = "2026-11-10T12:00:00Z" });
        await Post("c9", new { type = "subscription_cancelled", occurredAt = "2026-11-20T12:00:00Z" }); // never bought; reason other
        return tenant;
    }

    private static async Task<JsonElement> PreviewAsync(TestTenant tenant, string url, JsonObject? body = null)
    {
        var response = body is null ? await tenant.Admin.PostAsync(url, null) : await tenant.Admin.PostAsync(url, Json(body));
        return await response.ReadAsync();
    }

    private static void ShouldCount(JsonElement preview, int lapsed, int eligible, int rewarded)
    {
        var counts = (preview.GetProperty("lapsed").GetInt32(), preview.GetProperty("eligible").GetInt32(), preview.GetProperty("rewarded").GetInt32());
        counts.ShouldBe((lapsed, eligible, rewarded), preview.GetRawText());
    }

    private static int Excluded(JsonElement preview, string reason) => preview.GetProperty("excluded").GetProperty(reason).GetInt32();

    [Fact]
    public async Task A_stored_rule_counts_lapsed_eligible_excluded_and_what_the_budget_covers()
    {
        var tenant = await SeedAsync();
        var id = (await tenant.CreateAsync(Rule())).GetProperty("id").GetString()!;

        var preview = await PreviewAsync(tenant, $"/v1/rules/{id}/preview?asOf={AsOf}");

        // Lapsed: c1, c2, c3, c4, c7. c2 has one order, c3 20 eur: eligible c1, c4, c7.
        ShouldCount(preview, lapsed: 5, eligible: 3, rewarded: 2);
        (Excluded(preview, "orderCount"), Excluded(preview, "lifetimeValue"), Excluded(preview, "budget")).ShouldBe((1, 1, 1));
        (Excluded(preview, "higherPriorityRule"), Excluded(preview, "churnReason"), Excluded(preview, "attributes")).ShouldBe((0, 0, 0));
        // 25 eur pays two 10 eur credits: c7 and c4 crossed first; c1 misses out.
        preview.GetProperty("cost").GetRawText().ShouldBe("""[{"amount":2000,"currency":"eur"}]""");
        var budget = preview.GetProperty("budget");
        (budget.GetProperty("needed").GetProperty("amount").GetInt64(), budget.GetProperty("runsOut").GetBoolean()).ShouldBe((3000, true));
        var arm = preview.GetProperty("variants").EnumerateArray().Single();
        (arm.GetProperty("name").GetString(), arm.GetProperty("customers").GetInt32(), arm.GetProperty("rewarded").GetInt32()).ShouldBe(("default", 3, 2));
        (preview.GetProperty("holdout").GetInt32(), preview.GetProperty("ruleId").GetString(), preview.GetProperty("ruleVersion").GetInt32()).ShouldBe((0, id, 1));
    }

    [Fact]
    public async Task A_higher_priority_active_rule_takes_its_customers_first()
    {
        var tenant = await SeedAsync();
        var vip = Simple(priority: 20, name: "vip");
        vip["trigger"]!["days"] = 60;
        vip["eligibility"] = new JsonObject { ["attributes"] = new JsonObject { ["segment"] = "vip" } };
        await tenant.CreateActiveAsync(vip);
        (await tenant.Ingest.PutAsJsonAsync("/v1/customers/c4", new { attributes = new { segment = "vip" } })).EnsureSuccessStatusCode();
        var id = (await tenant.CreateAsync(Rule())).GetProperty("id").GetString()!;

        var preview = await PreviewAsync(tenant, $"/v1/rules/{id}/preview?asOf={AsOf}");

        // c4 is a lapsed vip, so the vip rule has it; c7 and c1 remain, and 25 eur covers both.
        ShouldCount(preview, lapsed: 5, eligible: 2, rewarded: 2);
        (Excluded(preview, "higherPriorityRule"), Excluded(preview, "budget")).ShouldBe((1, 0));
        preview.GetProperty("budget").GetProperty("runsOut").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Inline_definitions_preview_each_trigger()
    {
        var tenant = await SeedAsync();

        // Purchases only: c6's login no longer counts, and c8's last purchase is from January.
        // Caught: c1, c2, c3, c4, c6, c7, c8; c5 bought recently and c9 never bought.
        var purchases = Simple();
        purchases["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 90, ["activityTypes"] = new JsonArray("purchase") };
        purchases["reward"] = new JsonObject { ["type"] = "percent_discount", ["percent"] = 20, ["expiresInDays"] = 30 };
        var byPurchase = await PreviewAsync(tenant, $"/v1/rules/preview?asOf={AsOf}", purchases);
        ShouldCount(byPurchase, lapsed: 7, eligible: 7, rewarded: 7);
        byPurchase.GetProperty("cost").GetArrayLength().ShouldBe(0);
        byPurchase.GetProperty("budget").ValueKind.ShouldBe(JsonValueKind.Null);
        byPurchase.GetProperty("ruleId").ValueKind.ShouldBe(JsonValueKind.Null);

        // Cancelled 7 days ago or more, for being too expensive: c8 (14 days). c9 was cancelled 4 days ago.
        var cancellation = Simple();
        cancellation["trigger"] = new JsonObject { ["type"] = "cancellation", ["days"] = 7 };
        cancellation["eligibility"] = new JsonObject { ["churnReasons"] = new JsonArray("too_expensive") };
        ShouldCount(await PreviewAsync(tenant, $"/v1/rules/preview?asOf={AsOf}", cancellation), lapsed: 1, eligible: 1, rewarded: 1);
        // Four days later c9 has crossed too, but gave no reason ("other").
        var later = await PreviewAsync(tenant, "/v1/rules/preview?asOf=2026-11-28T13:00:00Z", cancellation);
        ShouldCount(later, lapsed: 2, eligible: 1, rewarded: 1);
        Excluded(later, "churnReason").ShouldBe(1);

        // Never purchased within 30 days of first sight: only c9, first seen 2026-11-20, crossing on 2026-12-20.
        var never = Simple();
        never["trigger"] = new JsonObject { ["type"] = "never_purchased", ["days"] = 30 };
        ShouldCount(await PreviewAsync(tenant, $"/v1/rules/preview?asOf={AsOf}", never), lapsed: 0, eligible: 0, rewarded: 0);
        ShouldCount(await PreviewAsync(tenant, "/v1/rules/preview?asOf=2026-12-21T00:00:00Z", never), lapsed: 1, eligible: 1, rewarded: 1);
    }

    [Fact]
    public async Task The_split_follows_each_customers_sticky_assignment()
    {
        var tenant = await SeedAsync();
        var rule = Rule();
        rule["limits"] = null;
        rule["experiment"] = JsonNode.Parse("""
            {"holdoutPercent": 50, "variants": [{"name": "A", "weight": 1},
              {"name": "B", "weight": 1, "reward": {"type": "account_credit", "amount": 2000, "currency": "eur", "expiresInDays": 30}}]}
            """);
        var id = (await tenant.CreateAsync(rule)).GetProperty("id").GetString()!;

        var preview = await PreviewAsync(tenant, $"/v1/rules/{id}/preview?asOf={AsOf}");

        // The eligible customers are c1, c4 and c7 (see the first test); each lands where the assignment puts it.
        var definition = new RuleDefinition("x", 10, new Trigger(TriggerType.Inactivity, 90, []), Eligibility.Everyone,
            new RewardSpec(RewardType.AccountCredit, new Domain.Common.Money(1000, "eur"), null, null, null, null, 30, RewardGrant.Immediate),
            Limits.None, new Experiment(50, [new Variant("A", 1, null, null, null), new Variant("B", 1, null, null, null)]), null, 90);
        var arms = new[] { "c1", "c4", "c7" }.Select(c => ExperimentAssignment.Assign(tenant.Id, id, c, definition)).ToList();
        ShouldCount(preview, lapsed: 5, eligible: 3, rewarded: arms.Count(a => a != Variant.Holdout));
        preview.GetProperty("holdout").GetInt32().ShouldBe(arms.Count(a => a == Variant.Holdout));
        var variants = preview.GetProperty("variants").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!);
        variants["A"].GetProperty("customers").GetInt32().ShouldBe(arms.Count(a => a == "A"));
        variants["B"].GetProperty("customers").GetInt32().ShouldBe(arms.Count(a => a == "B"));
        variants["B"].GetProperty("cost").GetProperty("amount").GetInt64().ShouldBe(2000 * arms.Count(a => a == "B"));
    }

    [Fact]
    public async Task A_preview_writes_nothing_and_checks_its_input()
    {
        var tenant = await SeedAsync();
        var id = (await tenant.CreateAsync(Rule())).GetProperty("id").GetString()!;
        var before = await tenant.Admin.GetJsonAsync("/v1/customers?limit=100");

        await PreviewAsync(tenant, $"/v1/rules/{id}/preview?asOf={AsOf}");

        (await tenant.Admin.GetJsonAsync("/v1/customers?limit=100")).GetRawText().ShouldBe(before.GetRawText());
        (await tenant.Admin.GetJsonAsync($"/v1/rules/{id}")).GetProperty("version").GetInt32().ShouldBe(1);
        (await (await tenant.Admin.PostAsync($"/v1/rules/{id}/preview?asOf=soon", null)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))
            .FieldErrors("asOf").ShouldNotBeEmpty();
        var invalid = Rule();
        invalid["trigger"]!["days"] = 0;
        (await (await tenant.Admin.PostAsync("/v1/rules/preview", Json(invalid))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))
            .FieldErrors("trigger.days").ShouldNotBeEmpty();
        await (await tenant.Admin.PostAsync("/v1/rules/rule_01jdq3w5x8k2m9v4r7t6y1z0ae/preview", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
    }
}
