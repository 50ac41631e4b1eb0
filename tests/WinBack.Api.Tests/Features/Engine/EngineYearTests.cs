using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Engine;

/// <summary>A year of one rule on a test clock: lapse at the crossing, reward, redemption, expiry, return, relapse, cooldown and cap.</summary>
public sealed class EngineYearTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    private static DateTimeOffset At(string time) => DateTimeOffset.Parse(time);

    private static JsonObject Rule() => new()
    {
        ["name"] = "30 days quiet",
        ["priority"] = 10,
        ["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 30 },
        ["reward"] = new JsonObject { ["type"] = "account_credit", ["amount"] = 1000, ["currency"] = "eur", ["expiresInDays"] = 14 },
        ["limits"] = new JsonObject { ["cooldownDays"] = 60, ["maxRewardsPerCustomer"] = 2 },
    };

    [Fact]
    public async Task A_year_of_one_rule_runs_itself_on_the_test_clock()
    {
        var tenant = await app.CreateTenantAsync();
        var ruleId = await tenant.CreateActiveAsync(Rule());
        const string customer = "cus_year";
        (await tenant.ActivityAsync(customer, "purchase", amount: 5000)).GetProperty("occurredAt").GetDateTimeOffset().ShouldBe(T0);

        // One minute before the window closes nothing has happened.
        (await tenant.AdvanceAsync(At("2026-12-24T08:59:00Z"))).ShouldBe(At("2026-12-24T08:59:00Z"));
        (await tenant.CustomerAsync(customer)).GetProperty("status").GetString().ShouldBe("active");
        (await tenant.RewardsAsync(customer)).ShouldBeEmpty();

        // The window closes at 09:00; the lapse is dated then, and the 09:00 sweep tick issues the reward.
        await tenant.AdvanceAsync(At("2026-12-24T10:00:00Z"));
        var lapse = (await tenant.EventsAsync(customer, "customer_lapsed")).Single();
        lapse.GetProperty("lapsedAt").GetDateTimeOffset().ShouldBe(At("2026-12-24T09:00:00Z"));
        lapse.GetProperty("lastActivityAt").GetDateTimeOffset().ShouldBe(T0);
        lapse.GetProperty("ruleId").GetString().ShouldBe(ruleId);
        lapse.GetProperty("variant").GetString().ShouldBe("default");
        var reward = (await tenant.RewardsAsync(customer)).Single();
        reward.GetProperty("status").GetString().ShouldBe("available");
        reward.GetProperty("issuedAt").GetDateTimeOffset().ShouldBe(At("2026-12-24T09:00:00Z"));
        reward.GetProperty("expiresAt").GetDateTimeOffset().ShouldBe(At("2027-01-07T09:00:00Z"));
        reward.GetProperty("episodeId").GetString().ShouldBe(lapse.GetProperty("episodeId").GetString());
        var firstReward = reward.GetProperty("id").GetString()!;
        var lapsed = await tenant.CustomerAsync(customer);
        lapsed.GetProperty("status").GetString().ShouldBe("lapsed");
        lapsed.Eur().ShouldBe(1000);

        // Part of it is used; the same order again changes nothing.
        (await tenant.RedeemAsync(firstReward, "o-1", 400)).GetProperty("amount").GetInt64().ShouldBe(400);
        await tenant.RedeemAsync(firstReward, "o-1", 400, status: 200);
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(600);

        // At expiresAt exactly, the unused 600 leaves the balance.
        await tenant.AdvanceAsync(At("2027-01-07T09:00:00Z"));
        var expired = (await tenant.EventsAsync(customer, "reward_expired")).Single();
        expired.GetProperty("expiredAt").GetDateTimeOffset().ShouldBe(At("2027-01-07T09:00:00Z"));
        expired.GetProperty("unusedAmount").GetInt64().ShouldBe(600);
        var ledger = await tenant.LedgerAsync(customer);
        ledger.GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("type").GetString(), e.GetProperty("amount").GetInt64(), e.Eur()))
            .ShouldBe([("reward_issued", 1000L, 1000L), ("reward_redeemed", -400L, 600L), ("reward_expired", -600L, 0L)]);
        ledger.Eur().ShouldBe(0);
        (await tenant.LedgerAsync(customer, At("2027-01-01T00:00:00Z"))).Eur().ShouldBe(600);

        // The customer comes back: the episode closes and the status is won_back.
        await tenant.AdvanceAsync(At("2027-01-10T12:00:00Z"));
        await tenant.ActivityAsync(customer, "purchase", amount: 2500);
        (await tenant.CustomerAsync(customer)).GetProperty("status").GetString().ShouldBe("won_back");
        (await tenant.EventsAsync(customer, "customer_reactivated")).Single().GetProperty("reactivatedAt").GetDateTimeOffset()
            .ShouldBe(At("2027-01-10T12:00:00Z"));

        // Quiet again: a new episode at the new crossing, but within 60 days of the last reward, so none is issued.
        await tenant.AdvanceAsync(At("2027-02-10T00:00:00Z"));
        (await tenant.EventsAsync(customer, "customer_lapsed")).Last().GetProperty("lapsedAt").GetDateTimeOffset()
            .ShouldBe(At("2027-02-09T12:00:00Z"));
        (await tenant.EventsAsync(customer, "reward_withheld")).Single().GetProperty("reason").GetString().ShouldBe("cooldown");
        (await tenant.RewardsAsync(customer)).Length.ShouldBe(1);

        // Back, quiet again after the cooldown: a second reward.
        await tenant.AdvanceAsync(At("2027-03-01T10:00:00Z"));
        await tenant.ActivityAsync(customer, "login");
        await tenant.AdvanceAsync(At("2027-04-01T00:00:00Z"));
        var second = (await tenant.RewardsAsync(customer)).First();
        second.GetProperty("id").GetString().ShouldNotBe(firstReward);
        second.GetProperty("issuedAt").GetDateTimeOffset().ShouldBe(At("2027-03-31T10:00:00Z"));

        // Back, and quiet once more after the cooldown: the rule's cap of two rewards per customer holds it back.
        await tenant.AdvanceAsync(At("2027-05-01T08:00:00Z"));
        await tenant.ActivityAsync(customer, "purchase", amount: 1200);
        await tenant.AdvanceAsync(At("2027-11-24T09:00:00Z"));

        (await tenant.EventsAsync(customer, "customer_lapsed")).Select(e => e.GetProperty("lapsedAt").GetDateTimeOffset())
            .ShouldBe([At("2026-12-24T09:00:00Z"), At("2027-02-09T12:00:00Z"), At("2027-03-31T10:00:00Z"), At("2027-05-31T08:00:00Z")]);
        (await tenant.EventsAsync(customer, "reward_withheld")).Select(e => e.GetProperty("reason").GetString())
            .ShouldBe(["cooldown", "per_customer_cap"]);
        (await tenant.EventsAsync(customer, "customer_reactivated")).Length.ShouldBe(3);
        var rewards = await tenant.RewardsAsync(customer);
        rewards.Select(r => r.GetProperty("status").GetString()).ShouldBe(["expired", "expired"]);
        (await tenant.EventsAsync(customer, "reward_expired")).Last().GetProperty("expiredAt").GetDateTimeOffset()
            .ShouldBe(At("2027-04-14T10:00:00Z"));
        var final = await tenant.CustomerAsync(customer);
        final.GetProperty("status").GetString().ShouldBe("lapsed");
        final.Eur().ShouldBe(0);
        (await tenant.ReadClockAsync()).ShouldBe(At("2027-11-24T09:00:00Z"));
    }
}
