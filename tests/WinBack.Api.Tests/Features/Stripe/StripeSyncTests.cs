using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Stripe;

public sealed class StripeSyncTests
{
    [Fact]
    public async Task A_credit_lands_in_stripe_exactly_once_through_three_failures_and_a_worker_restart()
    {
        await using var fake = await StripeFake.StartAsync();
        var first = StripeApp.On(fake);
        await first.InitializeAsync();
        var tenant = await first.CreateTenantAsync();
        await StripeApp.ConnectAsync(tenant);
        await first.CustomerAsync(tenant, "cus_credit", "cus_Stripe001");
        fake.FailNext(1, StripeFailure.ServerError);
        fake.FailNext(1, StripeFailure.RateLimited);
        fake.FailNext(1, StripeFailure.Timeout);
        var rewardId = await tenant.IssueCreditAsync("cus_credit", 1500);

        // The clock moves only once each failure is recorded, so that the retry is due by it.
        await Eventually.ReadAsync(() => AttemptsAsync(tenant, rewardId), a => a == 1, "attempt 1 recorded");
        first.Clock.Advance(TimeSpan.FromSeconds(6));
        await Eventually.ReadAsync(() => AttemptsAsync(tenant, rewardId), a => a == 2, "attempt 2 recorded");
        await first.DisposeAsync(); // the worker stops between retries

        await using var second = StripeApp.On(fake, first.ConnectionString);
        await second.InitializeAsync();
        var again = tenant with { Ingest = second.ClientWithKey(tenant.IngestKey.Secret) };
        second.Clock.Advance(TimeSpan.FromMinutes(2));
        await Eventually.ReadAsync(() => AttemptsAsync(again, rewardId), a => a == 3, "attempt 3 recorded"); // done by Stripe, answered too late
        second.Clock.Advance(TimeSpan.FromMinutes(10));
        await Eventually.TrueAsync(() => BalanceCalls(fake).Count == 4, "the fourth attempt");

        var transaction = fake.BalanceTransactions.ShouldHaveSingleItem();
        ((long)transaction["amount"]!).ShouldBe(-1500);
        ((string)transaction["currency"]!).ShouldBe("eur");
        ((string)transaction["customer"]!).ShouldBe("cus_Stripe001");
        ((string)transaction["metadata"]!["rewardId"]!).ShouldBe(rewardId);
        fake.Balance("cus_Stripe001").ShouldBe(-1500);
        BalanceCalls(fake).Select(c => c.IdempotencyKey).Distinct().ShouldBe([$"winback_{rewardId}_credit"]);

        var synced = await Eventually.ReadAsync(() => again.EventsAsync("cus_credit", "reward_synced_to_stripe"), e => e.Length == 1, "RewardSyncedToStripe");
        synced.Single().GetProperty("stripeObjectId").GetString().ShouldBe((string)transaction["id"]!);
        var reward = await EngineRequests.ReadAsync(await again.Ingest.GetAsync($"/v1/rewards/{rewardId}"), 200);
        var sync = reward.GetProperty("stripeSync");
        sync.GetProperty("status").GetString().ShouldBe("synced");
        sync.GetProperty("attempts").GetInt32().ShouldBe(4);
        sync.GetProperty("creditTransactionId").GetString().ShouldBe((string)transaction["id"]!);
    }

    [Fact]
    public async Task A_moment_rules_credit_lands_in_stripe_once_and_the_moment_past_the_daily_budget_is_withheld()
    {
        await using var app = new StripeApp();
        await app.InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        await StripeApp.ConnectAsync(tenant);
        string[] customers = [await app.CustomerAsync(tenant, "cus_one", "cus_Stripe101"), await app.CustomerAsync(tenant, "cus_two", "cus_Stripe102")];
        // The first order earns 10.00 EUR, 15.00 EUR a day: of two first orders on one day, one is rewarded and one withheld.
        var rule = RuleRequests.Simple(name: "first order");
        rule["trigger"] = new JsonObject { ["type"] = "nth_purchase", ["count"] = 1 };
        rule["limits"] = new JsonObject { ["dailyBudget"] = new JsonObject { ["amount"] = 1500, ["currency"] = "eur" } };
        await tenant.CreateActiveAsync(rule);
        var t0 = await tenant.ReadClockAsync();
        foreach (var customer in customers)
            await tenant.ActivityAsync(customer, "purchase", amount: 2000);
        await tenant.AdvanceAsync(t0.AddHours(1));

        var issued = new List<(string Customer, JsonElement Reward)>();
        foreach (var customer in customers)
            issued.AddRange((await tenant.EventsAsync(customer, "reward_issued")).Select(r => (customer, r)));
        var (rewarded, reward) = issued.ShouldHaveSingleItem();
        var withheld = customers.Single(c => c != rewarded);
        (await tenant.EventsAsync(withheld, "reward_withheld")).ShouldHaveSingleItem().GetProperty("reason").GetString().ShouldBe("budget");
        var rewardId = reward.GetProperty("rewardId").GetString()!;
        // Until the outbox has queued the credit, the reward shows no stripeSync at all (null).
        await Eventually.ReadAsync(async () => (await EngineRequests.ReadAsync(await tenant.Ingest.GetAsync($"/v1/rewards/{rewardId}"), 200))
            .GetProperty("stripeSync") is { ValueKind: JsonValueKind.Object } sync ? sync.GetProperty("status").GetString() : null,
            s => s == "synced", "the credit synced to Stripe");
        var transaction = app.Fake.BalanceTransactions.ShouldHaveSingleItem();
        ((long)transaction["amount"]!).ShouldBe(-1000);
        ((string)transaction["customer"]!).ShouldBe(rewarded == "cus_one" ? "cus_Stripe101" : "cus_Stripe102");

        // Days of sweeps later, with fresh budgets, neither moment fires again, and nothing more is pushed to Stripe.
        await tenant.AdvanceAsync(t0.AddDays(3));
        foreach (var customer in customers)
            (await tenant.EventsAsync(customer, "moment_reached")).ShouldHaveSingleItem();
        (await tenant.EventsAsync(withheld, "reward_issued")).ShouldBeEmpty();
        app.Fake.BalanceTransactions.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task When_an_unused_credit_expires_only_its_unused_part_is_reversed()
    {
        await using var app = new StripeApp();
        await app.InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        await StripeApp.ConnectAsync(tenant);
        await app.CustomerAsync(tenant, "cus_expiry", "cus_Stripe002");
        var start = await tenant.ReadClockAsync();
        var rewardId = await tenant.IssueCreditAsync("cus_expiry", 1000);
        await Eventually.TrueAsync(() => app.Fake.BalanceTransactions.Count == 1, "the credit");
        await tenant.RedeemAsync(rewardId, "A-1", 300);

        await tenant.AdvanceAsync(start.AddDays(31));
        await Eventually.TrueAsync(() => app.Fake.BalanceTransactions.Count == 2, "the reversal");
        var reversal = app.Fake.BalanceTransactions[1];
        ((long)reversal["amount"]!).ShouldBe(700);
        app.Fake.Balance("cus_Stripe002").ShouldBe(-300);
        BalanceCalls(app.Fake).Select(c => c.IdempotencyKey).ShouldBe([$"winback_{rewardId}_credit", $"winback_{rewardId}_reversal"]);
    }

    [Fact]
    public async Task Revoking_a_credit_takes_its_unused_part_back_in_stripe()
    {
        await using var app = new StripeApp();
        await app.InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        await StripeApp.ConnectAsync(tenant);
        await app.CustomerAsync(tenant, "cus_revoke", "cus_Stripe004");
        var rewardId = await tenant.IssueCreditAsync("cus_revoke", 800);
        await tenant.RedeemAsync(rewardId, "A-9", 200);
        await EngineRequests.ReadAsync(await tenant.Admin.PostAsync($"/v1/rewards/{rewardId}/revoke",
            RuleRequests.Json(new JsonObject { ["reason"] = "issued by mistake" })), 200);

        await Eventually.TrueAsync(() => app.Fake.BalanceTransactions.Count == 2, "the credit, then its reversal");
        app.Fake.BalanceTransactions.Select(t => (long)t["amount"]!).ShouldBe([-800, 600]);
        ((string)app.Fake.BalanceTransactions[1]["description"]!).ShouldContain("revoked");
        app.Fake.Balance("cus_Stripe004").ShouldBe(-200);
    }

    [Fact]
    public async Task A_discount_becomes_a_coupon_and_a_promotion_code_restricted_to_the_customer()
    {
        await using var app = new StripeApp();
        await app.InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        await StripeApp.ConnectAsync(tenant);
        await app.CustomerAsync(tenant, "cus_discount", "cus_Stripe003");
        await tenant.ActivityAsync("cus_discount", "login");
        await using var receiver = await WebhookReceiver.StartAsync();
        var webhookSecret = (await tenant.CreateEndpointAsync(receiver.Url, "reward.issued")).GetProperty("secret").GetString()!;
        var reward = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync("/v1/customers/cus_discount/rewards", RuleRequests.Json(new JsonObject
        {
            ["reward"] = new JsonObject { ["type"] = "percent_discount", ["percent"] = 20, ["uses"] = 3, ["expiresInDays"] = 14 }, ["note"] = "sorry",
        })), 201);
        var rewardId = reward.GetProperty("id").GetString()!;
        await Eventually.TrueAsync(() => app.Fake.PromotionCodes.Count == 1, "the promotion code");

        var coupon = app.Fake.Coupons.ShouldHaveSingleItem();
        ((decimal)coupon["percent_off"]!).ShouldBe(20m);
        ((string)coupon["duration"]!).ShouldBe("repeating");
        var code = app.Fake.PromotionCodes.Single();
        ((string)code["customer"]!).ShouldBe("cus_Stripe003");
        ((string)code["promotion"]!["coupon"]!).ShouldBe((string)coupon["id"]!);
        ((int)code["max_redemptions"]!).ShouldBe(3);
        ((long)code["expires_at"]!).ShouldBe(reward.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeSeconds());
        var synced = await Eventually.ReadAsync(async () => await EngineRequests.ReadAsync(await tenant.Ingest.GetAsync($"/v1/rewards/{rewardId}"), 200),
            r => r.GetProperty("stripeSync").GetProperty("status").GetString() == "synced", "the discount synced");
        synced.GetProperty("stripeSync").GetProperty("promotionCode").GetString().ShouldBe((string)code["code"]!);

        // reward.issued waits for the code, then carries it.
        var issued = (await receiver.WaitForAsync(r => r.Count == 1, "reward.issued")).Single().Json;
        issued.GetProperty("data").GetProperty("rewardId").GetString().ShouldBe(rewardId);
        issued.GetProperty("data").GetProperty("promotionCode").GetString().ShouldBe((string)code["code"]!);
        issued.GetProperty("createdAt").GetDateTimeOffset().ShouldBe(reward.GetProperty("issuedAt").GetDateTimeOffset());
        // Neither the webhook secret nor Stripe's key reach a log line, at any level.
        app.Logs.ShouldNotBeEmpty();
        var secretKey = webhookSecret.Substring("whsec_".Length);
        app.Logs.ShouldNotContain(line => line.Contains(secretKey) || line.Contains(StripeFake.SecretKey));
    }

    private static async Task<int> AttemptsAsync(TestTenant tenant, string rewardId)
    {
        var reward = await EngineRequests.ReadAsync(await tenant.Ingest.GetAsync($"/v1/rewards/{rewardId}"), 200);
        return reward.GetProperty("stripeSync") is { ValueKind: System.Text.Json.JsonValueKind.Object } sync ? sync.GetProperty("attempts").GetInt32() : 0;
    }

    private static List<StripeCall> BalanceCalls(StripeFake fake) =>
        fake.Calls.Where(c => c.Path.EndsWith("/balance_transactions")).ToList();


}
