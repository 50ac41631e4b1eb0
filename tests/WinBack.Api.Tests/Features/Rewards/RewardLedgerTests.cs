using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Rewards;

/// <summary>The reward ledger over HTTP: manual rewards, redemptions, reversals, expiry, revocation, on_return and the ledger statement.</summary>
public sealed class RewardLedgerTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    private static DateTimeOffset At(string time) => DateTimeOffset.Parse(time);

    private static JsonObject Credit(long amount = 1000, int expiresInDays = 14) => new()
    {
        ["type"] = "account_credit", ["amount"] = amount, ["currency"] = "eur", ["expiresInDays"] = expiresInDays,
    };

    private static JsonObject Discount() => new()
    {
        ["type"] = "percent_discount", ["percent"] = 20, ["uses"] = 2, ["expiresInDays"] = 14,
    };

    private static JsonObject IssueBody(JsonObject? reward = null, string? note = "goodwill")
    {
        var body = new JsonObject { ["reward"] = reward ?? Credit() };
        if (note is not null)
            body["note"] = note;
        return body;
    }

    private static Task<HttpResponseMessage> PostIssueAsync(HttpClient client, string customerId, JsonObject body) =>
        client.PostAsync($"/v1/customers/{customerId}/rewards", RuleRequests.Json(body));

    /// <summary>A customer with one activity, so that they exist.</summary>
    private static async Task<string> CustomerAsync(TestTenant tenant, string customerId = "cus_ledger")
    {
        await tenant.ActivityAsync(customerId, "login");
        return customerId;
    }

    private static async Task<JsonElement> IssueAsync(TestTenant tenant, string customerId, JsonObject? reward = null, string note = "goodwill") =>
        await EngineRequests.ReadAsync(await PostIssueAsync(tenant.Admin, customerId, IssueBody(reward, note)), 201);

    private static string Id(JsonElement e) => e.GetProperty("id").GetString()!;

    private static Task<HttpResponseMessage> PostRedeemAsync(HttpClient client, string rewardId, string orderId, long? amount = null,
        string? currency = null)
    {
        var body = new JsonObject { ["orderId"] = orderId };
        if (amount is { } a)
            body["amount"] = a;
        if (currency is not null)
            body["currency"] = currency;
        return client.PostAsync($"/v1/rewards/{rewardId}/redemptions", RuleRequests.Json(body));
    }

    private static async Task<JsonElement> RewardAsync(TestTenant tenant, string rewardId) =>
        await EngineRequests.ReadAsync(await tenant.Ingest.GetAsync($"/v1/rewards/{rewardId}"), 200);

    private static Task<HttpResponseMessage> ReverseAsync(HttpClient client, string redemptionId) =>
        client.PostAsync($"/v1/redemptions/{redemptionId}/reversal", null);

    private static Task<HttpResponseMessage> RevokeAsync(HttpClient client, string rewardId, string? reason)
    {
        var body = new JsonObject();
        if (reason is not null)
            body["reason"] = reason;
        return client.PostAsync($"/v1/rewards/{rewardId}/revoke", RuleRequests.Json(body));
    }

    private static (string? Type, long? Amount, long Balance)[] Entries(JsonElement ledger) =>
        ledger.GetProperty("entries").EnumerateArray()
            .Select(e => (e.GetProperty("type").GetString(),
                e.GetProperty("amount").ValueKind == JsonValueKind.Null ? (long?)null : e.GetProperty("amount").GetInt64(), e.Eur()))
            .ToArray();

    [Fact]
    public async Task A_manual_reward_is_usable_at_once_and_counts_in_the_balance()
    {
        var tenant = await app.CreateTenantAsync();
        var customer = await CustomerAsync(tenant);

        var reward = await IssueAsync(tenant, customer);

        Id(reward).ShouldStartWith("rwd_");
        reward.GetProperty("customerId").GetString().ShouldBe(customer);
        reward.GetProperty("type").GetString().ShouldBe("account_credit");
        reward.GetProperty("amount").GetInt64().ShouldBe(1000);
        reward.GetProperty("currency").GetString().ShouldBe("eur");
        reward.GetProperty("note").GetString().ShouldBe("goodwill");
        reward.GetProperty("grant").GetString().ShouldBe("immediate");
        reward.GetProperty("status").GetString().ShouldBe("available");
        reward.GetProperty("remaining").GetInt64().ShouldBe(1000);
        reward.GetProperty("issuedAt").GetDateTimeOffset().ShouldBe(T0);
        reward.GetProperty("expiresAt").GetDateTimeOffset().ShouldBe(T0.AddDays(14));
        reward.GetProperty("ruleId").ValueKind.ShouldBe(JsonValueKind.Null);
        reward.GetProperty("episodeId").ValueKind.ShouldBe(JsonValueKind.Null);
        reward.GetProperty("variant").ValueKind.ShouldBe(JsonValueKind.Null);
        reward.GetProperty("redemptions").GetArrayLength().ShouldBe(0);

        var fetched = await RewardAsync(tenant, Id(reward));
        fetched.GetRawText().ShouldBe(reward.GetRawText());

        var summary = await tenant.CustomerAsync(customer);
        summary.GetProperty("balance").EnumerateArray()
            .Select(m => (m.GetProperty("amount").GetInt64(), m.GetProperty("currency").GetString()))
            .ShouldBe([(1000L, "eur")]);
        (await tenant.RewardsAsync(customer)).Select(Id).ShouldBe([Id(reward)]);
    }

    [Fact]
    public async Task Issuing_a_manual_reward_is_refused_for_an_unknown_customer_a_bad_body_or_an_ingest_key()
    {
        var tenant = await app.CreateTenantAsync();
        var customer = await CustomerAsync(tenant);

        await (await PostIssueAsync(tenant.Admin, "cus_nobody", IssueBody()))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");

        var noNote = await (await PostIssueAsync(tenant.Admin, customer, IssueBody(note: null)))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        noNote.FieldErrors("note").ShouldNotBeEmpty();

        var onReturn = Credit();
        onReturn["grant"] = "on_return";
        var grant = await (await PostIssueAsync(tenant.Admin, customer, IssueBody(onReturn)))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        grant.FieldErrors("reward.grant").Single().ShouldContain("immediate");

        await (await PostIssueAsync(tenant.Ingest, customer, IssueBody()))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        (await tenant.RewardsAsync(customer)).ShouldBeEmpty();
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(0);
    }

    [Fact]
    public async Task Credit_is_redeemed_in_parts_until_used_up_and_never_beyond_what_is_left()
    {
        var tenant = await app.CreateTenantAsync();
        var customer = await CustomerAsync(tenant);
        var rewardId = Id(await IssueAsync(tenant, customer));

        var first = await tenant.RedeemAsync(rewardId, "o-1", 300);
        first.GetProperty("id").GetString()!.ShouldStartWith("red_");
        first.GetProperty("rewardId").GetString().ShouldBe(rewardId);
        first.GetProperty("customerId").GetString().ShouldBe(customer);
        first.GetProperty("orderId").GetString().ShouldBe("o-1");
        first.GetProperty("amount").GetInt64().ShouldBe(300);
        first.GetProperty("currency").GetString().ShouldBe("eur");
        first.GetProperty("redeemedAt").GetDateTimeOffset().ShouldBe(T0);
        first.GetProperty("reversed").GetBoolean().ShouldBeFalse();
        var afterFirst = await RewardAsync(tenant, rewardId);
        afterFirst.GetProperty("status").GetString().ShouldBe("available");
        afterFirst.GetProperty("remaining").GetInt64().ShouldBe(700);
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(700);

        // More than is left: refused, nothing changes.
        await (await PostRedeemAsync(tenant.Ingest, rewardId, "o-2", 701, "eur"))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_balance");
        // Another currency: refused.
        await (await PostRedeemAsync(tenant.Ingest, rewardId, "o-2", 100, "usd"))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "currency_mismatch");
        // Credit without an amount: refused.
        await (await PostRedeemAsync(tenant.Ingest, rewardId, "o-2"))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "amount_mismatch");
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(700);

        (await tenant.RedeemAsync(rewardId, "o-2", 700)).GetProperty("amount").GetInt64().ShouldBe(700);
        var usedUp = await RewardAsync(tenant, rewardId);
        usedUp.GetProperty("status").GetString().ShouldBe("redeemed");
        usedUp.GetProperty("remaining").GetInt64().ShouldBe(0);
        usedUp.GetProperty("redemptions").EnumerateArray().Select(r => (r.GetProperty("orderId").GetString(), r.GetProperty("amount").GetInt64()))
            .ShouldBe([("o-1", 300L), ("o-2", 700L)]);
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(0);

        await (await PostRedeemAsync(tenant.Ingest, rewardId, "o-3", 1, "eur"))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_balance");
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(0);
    }

    [Fact]
    public async Task A_discount_is_redeemed_by_use_and_refuses_an_amount()
    {
        var tenant = await app.CreateTenantAsync();
        var customer = await CustomerAsync(tenant);
        var discount = await IssueAsync(tenant, customer, Discount());
        var rewardId = Id(discount);
        discount.GetProperty("type").GetString().ShouldBe("percent_discount");
        discount.GetProperty("percent").GetInt32().ShouldBe(20);
        discount.GetProperty("uses").GetInt32().ShouldBe(2);
        discount.GetProperty("remaining").GetInt64().ShouldBe(2);
        discount.GetProperty("amount").ValueKind.ShouldBe(JsonValueKind.Null);

        await (await PostRedeemAsync(tenant.Ingest, rewardId, "o-1", 100, "eur"))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "amount_mismatch");

        var first = await tenant.RedeemAsync(rewardId, "o-1", null);
        first.GetProperty("amount").ValueKind.ShouldBe(JsonValueKind.Null);
        first.GetProperty("currency").ValueKind.ShouldBe(JsonValueKind.Null);
        (await RewardAsync(tenant, rewardId)).GetProperty("remaining").GetInt64().ShouldBe(1);

        await tenant.RedeemAsync(rewardId, "o-2", null);
        var usedUp = await RewardAsync(tenant, rewardId);
        usedUp.GetProperty("status").GetString().ShouldBe("redeemed");
        usedUp.GetProperty("remaining").GetInt64().ShouldBe(0);

        await (await PostRedeemAsync(tenant.Ingest, rewardId, "o-3"))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_balance");
        (await RewardAsync(tenant, rewardId)).GetProperty("redemptions").GetArrayLength().ShouldBe(2);
        // A discount has no money value: the balance stays empty.
        (await tenant.CustomerAsync(customer)).GetProperty("balance").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task The_same_order_redeeming_twice_answers_200_with_the_first_redemption_and_changes_the_balance_once()
    {
        var tenant = await app.CreateTenantAsync();
        var customer = await CustomerAsync(tenant);
        var rewardId = Id(await IssueAsync(tenant, customer));

        var first = await tenant.RedeemAsync(rewardId, "o-1", 300);
        var again = await tenant.RedeemAsync(rewardId, "o-1", 300, status: 200);
        again.GetProperty("id").GetString().ShouldBe(first.GetProperty("id").GetString());
        again.GetProperty("amount").GetInt64().ShouldBe(300);
        // Even with another amount, the order already redeemed: nothing changes.
        var other = await tenant.RedeemAsync(rewardId, "o-1", 500, status: 200);
        other.GetProperty("id").GetString().ShouldBe(first.GetProperty("id").GetString());
        other.GetProperty("amount").GetInt64().ShouldBe(300);

        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(700);
        var reward = await RewardAsync(tenant, rewardId);
        reward.GetProperty("remaining").GetInt64().ShouldBe(700);
        reward.GetProperty("redemptions").GetArrayLength().ShouldBe(1);
        Entries(await tenant.LedgerAsync(customer)).ShouldBe([("reward_issued", 1000L, 1000L), ("reward_redeemed", -300L, 700L)]);
    }

    [Fact]
    public async Task A_reversal_returns_the_value_once_and_the_ledger_shows_each_change_with_its_running_balance()
    {
        var tenant = await app.CreateTenantAsync();
        var customer = await CustomerAsync(tenant);
        var rewardId = Id(await IssueAsync(tenant, customer));
        await tenant.AdvanceAsync(At("2026-11-25T10:00:00Z"));
        var redemptionId = (await tenant.RedeemAsync(rewardId, "o-1", 300)).GetProperty("id").GetString()!;
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(700);
        await tenant.AdvanceAsync(At("2026-11-26T11:00:00Z"));

        var reversed = await EngineRequests.ReadAsync(await ReverseAsync(tenant.Ingest, redemptionId), 200);
        reversed.GetProperty("id").GetString().ShouldBe(redemptionId);
        reversed.GetProperty("rewardId").GetString().ShouldBe(rewardId);
        reversed.GetProperty("orderId").GetString().ShouldBe("o-1");
        reversed.GetProperty("amount").GetInt64().ShouldBe(300);
        reversed.GetProperty("reversed").GetBoolean().ShouldBeTrue();
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(1000);
        var reward = await RewardAsync(tenant, rewardId);
        reward.GetProperty("remaining").GetInt64().ShouldBe(1000);
        reward.GetProperty("status").GetString().ShouldBe("available");
        reward.GetProperty("redemptions").EnumerateArray().Single().GetProperty("reversed").GetBoolean().ShouldBeTrue();

        // Again: 200, and nothing changes a second time.
        (await EngineRequests.ReadAsync(await ReverseAsync(tenant.Ingest, redemptionId), 200))
            .GetProperty("reversed").GetBoolean().ShouldBeTrue();
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(1000);

        await (await ReverseAsync(tenant.Ingest, "red_00000000000000000000000000"))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");

        var ledger = await tenant.LedgerAsync(customer);
        ledger.GetProperty("customerId").GetString().ShouldBe(customer);
        ledger.GetProperty("asOf").ValueKind.ShouldBe(JsonValueKind.Null);
        ledger.Eur().ShouldBe(1000);
        Entries(ledger).ShouldBe([("reward_issued", 1000L, 1000L), ("reward_redeemed", -300L, 700L), ("redemption_reversed", 300L, 1000L)]);
        var entries = ledger.GetProperty("entries").EnumerateArray().ToArray();
        entries.Select(e => e.GetProperty("at").GetDateTimeOffset())
            .ShouldBe([T0, At("2026-11-25T10:00:00Z"), At("2026-11-26T11:00:00Z")]);
        entries.ShouldAllBe(e => e.GetProperty("rewardId").GetString() == rewardId && e.GetProperty("currency").GetString() == "eur");
        entries[1].GetProperty("redemptionId").GetString().ShouldBe(redemptionId);
        entries[1].GetProperty("orderId").GetString().ShouldBe("o-1");
        entries[2].GetProperty("redemptionId").GetString().ShouldBe(redemptionId);
        entries[2].GetProperty("orderId").GetString().ShouldBe("o-1");

        // The order's redemption was reversed, so the same order may redeem again.
        var redeemedAgain = await tenant.RedeemAsync(rewardId, "o-1", 200);
        redeemedAgain.GetProperty("id").GetString().ShouldNotBe(redemptionId);
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(800);
    }

    [Fact]
    public async Task An_expired_reward_leaves_the_balance_with_its_unused_credit_and_cannot_be_redeemed()
    {
        var tenant = await app.CreateTenantAsync();
        var customer = await CustomerAsync(tenant);
        var reward = await IssueAsync(tenant, customer);
        var rewardId = Id(reward);
        await tenant.RedeemAsync(rewardId, "o-1", 400);
        var expiresAt = reward.GetProperty("expiresAt").GetDateTimeOffset();

        await tenant.AdvanceAsync(expiresAt.AddHours(1));

        await (await PostRedeemAsync(tenant.Ingest, rewardId, "o-2", 100, "eur"))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "reward_expired");
        var expired = await RewardAsync(tenant, rewardId);
        expired.GetProperty("status").GetString().ShouldBe("expired");
        expired.GetProperty("remaining").GetInt64().ShouldBe(0);
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(0);

        var ledger = await tenant.LedgerAsync(customer);
        Entries(ledger).ShouldBe([("reward_issued", 1000L, 1000L), ("reward_redeemed", -400L, 600L), ("reward_expired", -600L, 0L)]);
        ledger.GetProperty("entries")[2].GetProperty("at").GetDateTimeOffset().ShouldBe(expiresAt);
        ledger.Eur().ShouldBe(0);
        (await tenant.RewardsAsync(customer)).Single().GetProperty("status").GetString().ShouldBe("expired");
    }

    [Fact]
    public async Task A_revoked_reward_takes_its_unused_credit_out_of_the_balance_once()
    {
        var tenant = await app.CreateTenantAsync();
        var customer = await CustomerAsync(tenant);
        var rewardId = Id(await IssueAsync(tenant, customer));
        await tenant.RedeemAsync(rewardId, "o-1", 300);

        var missingReason = await (await RevokeAsync(tenant.Admin, rewardId, null))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        missingReason.FieldErrors("reason").ShouldNotBeEmpty();
        await (await RevokeAsync(tenant.Ingest, rewardId, "mistake"))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(700);

        var revoked = await EngineRequests.ReadAsync(await RevokeAsync(tenant.Admin, rewardId, "Issued by mistake."), 200);
        revoked.GetProperty("id").GetString().ShouldBe(rewardId);
        revoked.GetProperty("status").GetString().ShouldBe("revoked");
        revoked.GetProperty("remaining").GetInt64().ShouldBe(0);
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(0);

        // Again: 200, unchanged.
        var again = await EngineRequests.ReadAsync(await RevokeAsync(tenant.Admin, rewardId, "Issued by mistake."), 200);
        again.GetProperty("status").GetString().ShouldBe("revoked");
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(0);

        await (await PostRedeemAsync(tenant.Ingest, rewardId, "o-2", 100, "eur"))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "reward_revoked");

        var ledger = await tenant.LedgerAsync(customer);
        Entries(ledger).ShouldBe([("reward_issued", 1000L, 1000L), ("reward_redeemed", -300L, 700L), ("reward_revoked", -700L, 0L)]);
        ledger.GetProperty("entries")[2].GetProperty("reason").GetString().ShouldBe("Issued by mistake.");
    }

    [Fact]
    public async Task Reversing_a_redemption_of_a_revoked_reward_shows_in_the_ledger_but_leaves_the_balance_alone()
    {
        var tenant = await app.CreateTenantAsync();
        var customer = await CustomerAsync(tenant);
        var rewardId = Id(await IssueAsync(tenant, customer));
        var redemptionId = (await tenant.RedeemAsync(rewardId, "o-1", 300)).GetProperty("id").GetString()!;
        await EngineRequests.ReadAsync(await RevokeAsync(tenant.Admin, rewardId, "Issued by mistake."), 200);

        (await EngineRequests.ReadAsync(await ReverseAsync(tenant.Ingest, redemptionId), 200)).GetProperty("reversed").GetBoolean().ShouldBeTrue();

        var reward = await RewardAsync(tenant, rewardId);
        reward.GetProperty("status").GetString().ShouldBe("revoked");
        reward.GetProperty("remaining").GetInt64().ShouldBe(0);
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(0);
        var ledger = await tenant.LedgerAsync(customer);
        Entries(ledger).ShouldBe([("reward_issued", 1000L, 1000L), ("reward_redeemed", -300L, 700L), ("reward_revoked", -700L, 0L),
            ("redemption_reversed", 300L, 300L), ("reward_revoked", -300L, 0L)]);
        ledger.Eur().ShouldBe(0);
    }

    [Fact]
    public async Task Revoking_an_expired_or_used_up_reward_is_a_conflict()
    {
        var tenant = await app.CreateTenantAsync();
        var customer = await CustomerAsync(tenant);
        var expiring = Id(await IssueAsync(tenant, customer, Credit(expiresInDays: 1)));
        var usedUp = Id(await IssueAsync(tenant, customer, Credit(amount: 500, expiresInDays: 30)));
        await tenant.RedeemAsync(usedUp, "o-1", 500);

        await tenant.AdvanceAsync(T0.AddDays(2));

        await (await RevokeAsync(tenant.Admin, expiring, "too late"))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "reward_expired");
        (await RewardAsync(tenant, expiring)).GetProperty("status").GetString().ShouldBe("expired");
        await (await RevokeAsync(tenant.Admin, usedUp, "too late"))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "reward_redeemed");
        (await RewardAsync(tenant, usedUp)).GetProperty("status").GetString().ShouldBe("redeemed");
    }

    [Fact]
    public async Task An_on_return_reward_stays_pending_out_of_the_balance_until_the_customer_comes_back()
    {
        var tenant = await app.CreateTenantAsync();
        var reward = Credit();
        reward["grant"] = "on_return";
        var ruleId = await tenant.CreateActiveAsync(new JsonObject
        {
            ["name"] = "30 days quiet, on return",
            ["priority"] = 10,
            ["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 30 },
            ["reward"] = reward,
        });
        const string customer = "cus_returns";
        await tenant.ActivityAsync(customer, "purchase", amount: 5000);

        await tenant.AdvanceAsync(T0.AddDays(30).AddHours(1));

        var pending = (await tenant.RewardsAsync(customer)).Single();
        var rewardId = Id(pending);
        pending.GetProperty("status").GetString().ShouldBe("pending");
        pending.GetProperty("grant").GetString().ShouldBe("on_return");
        pending.GetProperty("ruleId").GetString().ShouldBe(ruleId);
        pending.GetProperty("episodeId").GetString()!.ShouldNotBeNullOrEmpty();
        pending.GetProperty("remaining").GetInt64().ShouldBe(1000);
        var lapsed = await tenant.CustomerAsync(customer);
        lapsed.GetProperty("status").GetString().ShouldBe("lapsed");
        lapsed.Eur().ShouldBe(0);
        (await tenant.LedgerAsync(customer)).Eur().ShouldBe(0);

        await (await PostRedeemAsync(tenant.Ingest, rewardId, "o-1", 100, "eur"))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "reward_pending");

        var returnedAt = T0.AddDays(31);
        await tenant.AdvanceAsync(returnedAt);
        await tenant.ActivityAsync(customer, "purchase", amount: 2500);

        (await RewardAsync(tenant, rewardId)).GetProperty("status").GetString().ShouldBe("available");
        var wonBack = await tenant.CustomerAsync(customer);
        wonBack.GetProperty("status").GetString().ShouldBe("won_back");
        wonBack.Eur().ShouldBe(1000);

        var ledger = await tenant.LedgerAsync(customer);
        Entries(ledger).ShouldBe([("reward_issued", 0L, 0L), ("reward_unlocked", 1000L, 1000L)]);
        var unlocked = ledger.GetProperty("entries")[1];
        unlocked.GetProperty("rewardId").GetString().ShouldBe(rewardId);
        unlocked.GetProperty("at").GetDateTimeOffset().ShouldBe(returnedAt);
        ledger.Eur().ShouldBe(1000);

        (await tenant.RedeemAsync(rewardId, "o-1", 100)).GetProperty("amount").GetInt64().ShouldBe(100);
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(900);
    }

    [Fact]
    public async Task The_ledger_as_of_a_past_time_shows_the_balance_as_it_was_then()
    {
        var tenant = await app.CreateTenantAsync();
        var customer = await CustomerAsync(tenant);
        var rewardId = Id(await IssueAsync(tenant, customer));
        await tenant.AdvanceAsync(At("2026-11-25T09:00:00Z"));
        await tenant.RedeemAsync(rewardId, "o-1", 300);
        await tenant.AdvanceAsync(At("2026-11-26T09:00:00Z"));
        await tenant.RedeemAsync(rewardId, "o-2", 200);
        await tenant.AdvanceAsync(At("2026-11-27T09:00:00Z"));
        await IssueAsync(tenant, customer, Credit(amount: 50));

        var now = await tenant.LedgerAsync(customer);
        now.Eur().ShouldBe(550);
        Entries(now).ShouldBe([("reward_issued", 1000L, 1000L), ("reward_redeemed", -300L, 700L), ("reward_redeemed", -200L, 500L),
            ("reward_issued", 50L, 550L)]);

        var before = await tenant.LedgerAsync(customer, At("2026-11-25T12:00:00Z"));
        before.GetProperty("asOf").GetDateTimeOffset().ShouldBe(At("2026-11-25T12:00:00Z"));
        before.Eur().ShouldBe(700);
        Entries(before).ShouldBe([("reward_issued", 1000L, 1000L), ("reward_redeemed", -300L, 700L)]);

        // An entry exactly at asOf is included.
        var exactly = await tenant.LedgerAsync(customer, At("2026-11-26T09:00:00Z"));
        exactly.Eur().ShouldBe(500);
        Entries(exactly).Length.ShouldBe(3);

        (await tenant.LedgerAsync(customer, T0)).Eur().ShouldBe(1000);
        var beforeAnything = await tenant.LedgerAsync(customer, T0.AddMinutes(-1));
        beforeAnything.GetProperty("entries").GetArrayLength().ShouldBe(0);
        beforeAnything.GetProperty("balance").GetArrayLength().ShouldBe(0);

        // The customer summary stands at now.
        (await tenant.CustomerAsync(customer)).Eur().ShouldBe(550);
    }

    [Fact]
    public async Task Another_tenant_cannot_see_redeem_or_reverse_a_tenants_rewards()
    {
        var owner = await app.CreateTenantAsync(name: "owner");
        var other = await app.CreateTenantAsync(name: "other");
        var customer = await CustomerAsync(owner);
        var rewardId = Id(await IssueAsync(owner, customer));
        var redemptionId = (await owner.RedeemAsync(rewardId, "o-1", 300)).GetProperty("id").GetString()!;

        foreach (var client in new[] { other.Ingest, other.Admin })
        {
            await (await client.GetAsync($"/v1/rewards/{rewardId}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
            await (await PostRedeemAsync(client, rewardId, "o-2", 100, "eur"))
                .ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
            await (await ReverseAsync(client, redemptionId)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        }
        await (await RevokeAsync(other.Admin, rewardId, "not mine")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        await (await other.Ingest.GetAsync($"/v1/customers/{customer}/rewards")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");

        var reward = await RewardAsync(owner, rewardId);
        reward.GetProperty("status").GetString().ShouldBe("available");
        reward.GetProperty("remaining").GetInt64().ShouldBe(700);
        reward.GetProperty("redemptions").EnumerateArray().Single().GetProperty("reversed").GetBoolean().ShouldBeFalse();
        (await owner.CustomerAsync(customer)).Eur().ShouldBe(700);
    }

    [Fact]
    public async Task A_customers_rewards_are_listed_newest_first_in_pages_and_filtered_by_status()
    {
        var tenant = await app.CreateTenantAsync();
        var customer = await CustomerAsync(tenant);
        var first = Id(await IssueAsync(tenant, customer, Credit(amount: 100)));
        var second = Id(await IssueAsync(tenant, customer, Credit(amount: 200)));
        var third = Id(await IssueAsync(tenant, customer, Credit(amount: 300)));
        await tenant.RedeemAsync(second, "o-1", 200);

        var page1 = await EngineRequests.ReadAsync(await tenant.Ingest.GetAsync($"/v1/customers/{customer}/rewards?limit=2"), 200);
        page1.GetProperty("data").EnumerateArray().Select(Id).ShouldBe([third, second]);
        page1.GetProperty("hasMore").GetBoolean().ShouldBeTrue();

        var page2 = await EngineRequests.ReadAsync(
            await tenant.Ingest.GetAsync($"/v1/customers/{customer}/rewards?limit=2&startingAfter={second}"), 200);
        page2.GetProperty("data").EnumerateArray().Select(Id).ShouldBe([first]);
        page2.GetProperty("hasMore").GetBoolean().ShouldBeFalse();

        var available = await EngineRequests.ReadAsync(await tenant.Ingest.GetAsync($"/v1/customers/{customer}/rewards?status=available"), 200);
        available.GetProperty("data").EnumerateArray().Select(Id).ShouldBe([third, first]);
        available.GetProperty("data").EnumerateArray().ShouldAllBe(r => r.GetProperty("status").GetString() == "available");
        available.GetProperty("hasMore").GetBoolean().ShouldBeFalse();

        var redeemed = await EngineRequests.ReadAsync(await tenant.Ingest.GetAsync($"/v1/customers/{customer}/rewards?status=redeemed"), 200);
        redeemed.GetProperty("data").EnumerateArray().Select(Id).ShouldBe([second]);

        await (await tenant.Ingest.GetAsync("/v1/customers/cus_nobody/rewards")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
    }
}
