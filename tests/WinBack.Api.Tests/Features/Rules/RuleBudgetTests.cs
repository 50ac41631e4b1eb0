using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Rules;

/// <summary>The rule view's budget: spend against the total and daily budget, in GET /v1/rules and GET /v1/rules/{id}.</summary>
public sealed class RuleBudgetTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    private static JsonObject Budgeted(long perReward) => new()
    {
        ["name"] = "budgeted", ["priority"] = 10,
        ["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 30 },
        ["reward"] = new JsonObject { ["type"] = "account_credit", ["amount"] = perReward, ["currency"] = "eur", ["expiresInDays"] = 30 },
        ["limits"] = new JsonObject
        {
            ["totalBudget"] = new JsonObject { ["amount"] = 100_000, ["currency"] = "eur" },
            ["dailyBudget"] = new JsonObject { ["amount"] = 20_000, ["currency"] = "eur" },
        },
    };

    private static long Amount(JsonElement money, string currency = "eur")
    {
        money.GetProperty("currency").GetString().ShouldBe(currency);
        return money.GetProperty("amount").GetInt64();
    }

    [Fact]
    public async Task A_rule_shows_what_it_spent_in_total_and_today_and_a_rule_without_budget_shows_none()
    {
        var tenant = await app.CreateTenantAsync();
        var ruleId = await tenant.CreateActiveAsync(Budgeted(500));
        var unbudgeted = (await tenant.CreateAsync(RuleRequests.Simple(priority: 1, name: "no limits"))).GetProperty("id").GetString()!;
        // Another tenant's rule spends more on the same days; it never counts here.
        var other = await app.CreateTenantAsync();
        var otherRule = await other.CreateActiveAsync(Budgeted(700));
        foreach (var t in new[] { tenant, other })
            foreach (var id in new[] { "cus_1", "cus_2", "cus_3" })
                await t.ActivityAsync(id, "purchase", amount: 1000);
        await tenant.AdvanceAsync(T0.AddDays(30).AddHours(1));
        await other.AdvanceAsync(T0.AddDays(30).AddHours(1));

        // What the ledger holds: the rule's rewards, all issued on day 30 (a holdout would get none).
        var issued = await IssuedAsync(tenant, ruleId);
        issued.ShouldBeGreaterThan(0);
        var budget = await ListedBudgetAsync(tenant, ruleId);
        Amount(budget.GetProperty("total")).ShouldBe(100_000);
        Amount(budget.GetProperty("daily")).ShouldBe(20_000);
        Amount(budget.GetProperty("spent")).ShouldBe(issued);
        Amount(budget.GetProperty("spentToday")).ShouldBe(issued);
        (await ListedBudgetAsync(tenant, unbudgeted)).ValueKind.ShouldBe(JsonValueKind.Null);

        // The next UTC day nothing is issued: today's spend starts again at 0, the total stays; the single read says the same.
        await tenant.AdvanceAsync(T0.AddDays(31));
        budget = await ListedBudgetAsync(tenant, ruleId);
        Amount(budget.GetProperty("spent")).ShouldBe(issued);
        Amount(budget.GetProperty("spentToday")).ShouldBe(0);
        var one = await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/rules/{ruleId}"), 200);
        one.GetProperty("budget").GetRawText().ShouldBe(budget.GetRawText());

        var othersIssued = await IssuedAsync(other, otherRule);
        othersIssued.ShouldNotBe(issued);
        Amount((await ListedBudgetAsync(other, otherRule)).GetProperty("spent")).ShouldBe(othersIssued);
    }

    private static async Task<long> IssuedAsync(TestTenant tenant, string ruleId)
    {
        var issued = 0L;
        foreach (var id in new[] { "cus_1", "cus_2", "cus_3" })
            issued += (await tenant.RewardsAsync(id)).Where(r => r.GetProperty("ruleId").GetString() == ruleId).Sum(r => r.GetProperty("amount").GetInt64());
        return issued;
    }

    private static async Task<JsonElement> ListedBudgetAsync(TestTenant tenant, string ruleId) =>
        (await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/rules"), 200)).GetProperty("data").EnumerateArray()
        .Single(r => r.GetProperty("id").GetString() == ruleId).GetProperty("budget");
}
