using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Engine;

/// <summary>Personal inactivity windows on a test clock: each customer lapses on their own rhythm, or on the rule's days.</summary>
public sealed class PersonalWindowTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    private static JsonObject WeeklyRule()
    {
        var rule = RuleRequests.Simple(name: "own rhythm");
        rule["trigger"] = new JsonObject
        {
            ["type"] = "inactivity", ["days"] = 90, ["activityTypes"] = new JsonArray("purchase"),
            ["personalWindow"] = new JsonObject { ["multiple"] = 2.5, ["minPurchases"] = 3 },
        };
        return rule;
    }

    private static async Task<JsonElement> PreviewAsync(TestTenant tenant, string ruleId, DateTimeOffset asOf) =>
        await EngineRequests.ReadAsync(await tenant.Admin.PostAsync(
            $"/v1/rules/{ruleId}/preview?asOf={Uri.EscapeDataString(asOf.ToString("O"))}", null), 200);

    [Fact]
    public async Task A_weekly_buyer_lapses_after_two_and_a_half_weeks_and_a_customer_with_few_purchases_after_the_rules_days()
    {
        var tenant = await app.CreateTenantAsync();
        foreach (var daysAgo in new[] { 21, 14, 7, 0 })
            await tenant.ActivityAsync("weekly", "purchase", T0.AddDays(-daysAgo), amount: 2000);
        foreach (var daysAgo in new[] { 7, 0 })
            await tenant.ActivityAsync("twice", "purchase", T0.AddDays(-daysAgo), amount: 2000);
        var ruleId = await tenant.CreateActiveAsync(WeeklyRule());

        // The rule echoes its personal window.
        var rule = await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/rules/{ruleId}"), 200);
        rule.GetProperty("trigger").GetProperty("personalWindow").GetProperty("multiple").GetDouble().ShouldBe(2.5);

        // Median gap 7 days, times 2.5: the weekly buyer crosses 17.5 days after the last purchase, not before.
        var before = await PreviewAsync(tenant, ruleId, T0.AddDays(17.4));
        before.GetProperty("lapsed").GetInt32().ShouldBe(0, before.GetRawText());
        var after = await PreviewAsync(tenant, ruleId, T0.AddDays(17.5));
        after.GetProperty("lapsed").GetInt32().ShouldBe(1, after.GetRawText());
        after.GetProperty("windows").GetProperty("personal").GetInt32().ShouldBe(1);
        var caught = after.GetProperty("caught").EnumerateArray().ShouldHaveSingleItem();
        caught.GetProperty("customerId").GetString().ShouldBe("weekly");
        caught.GetProperty("crossedAt").GetDateTimeOffset().ShouldBe(T0.AddDays(17.5));
        ShouldBeWindow(caught.GetProperty("window"), 17.5, "personal");

        // The test clock runs the sweep at the crossing: the weekly buyer is rewarded, while a 90-day window would still be open.
        await tenant.AdvanceAsync(T0.AddDays(18));
        (await tenant.EventsAsync("weekly", "customer_lapsed")).ShouldHaveSingleItem()
            .GetProperty("lapsedAt").GetDateTimeOffset().ShouldBe(T0.AddDays(17.5));
        ShouldBeWindow((await tenant.RewardsAsync("weekly")).ShouldHaveSingleItem().GetProperty("window"), 17.5, "personal");
        (await tenant.EventsAsync("twice", "customer_lapsed")).ShouldBeEmpty();
        (await tenant.RewardsAsync("twice")).ShouldBeEmpty();

        // Two purchases are fewer than minPurchases: that customer falls back to the rule's 90 days.
        var fallback = await PreviewAsync(tenant, ruleId, T0.AddDays(90));
        fallback.GetProperty("windows").GetProperty("rule").GetInt32().ShouldBe(1, fallback.GetRawText());
        ShouldBeWindow(fallback.GetProperty("caught").EnumerateArray().ShouldHaveSingleItem().GetProperty("window"), 90, "rule");
        await tenant.AdvanceAsync(T0.AddDays(89.9));
        (await tenant.RewardsAsync("twice")).ShouldBeEmpty();
        await tenant.AdvanceAsync(T0.AddDays(90));
        var reward = (await tenant.RewardsAsync("twice")).ShouldHaveSingleItem();
        ShouldBeWindow(reward.GetProperty("window"), 90, "rule");
        (await tenant.EventsAsync("twice", "customer_lapsed")).ShouldHaveSingleItem()
            .GetProperty("lapsedAt").GetDateTimeOffset().ShouldBe(T0.AddDays(90));
        // The reward.issued event on the stream carries the window too.
        ShouldBeWindow((await tenant.EventsAsync("twice", "reward_issued")).ShouldHaveSingleItem().GetProperty("window"), 90, "rule");
    }

    private static void ShouldBeWindow(JsonElement window, double days, string source)
    {
        window.GetProperty("days").GetDouble().ShouldBe(days, 1e-6, window.GetRawText());
        window.GetProperty("source").GetString().ShouldBe(source);
    }
}
