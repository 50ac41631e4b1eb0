using System.Net;
using System.Text.Json;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Stripe;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using static WinBack.Api.Tests.Features.SaveOffers.SaveOfferRequests;

namespace WinBack.Api.Tests.Features.SaveOffers;

public sealed class SaveOfferTests
{
    [Fact]
    public async Task A_pause_matched_by_reason_reaches_stripe_once_through_retries_and_a_worker_restart_and_is_saved_after_a_payment()
    {
        await using var fake = await StripeFake.StartAsync();
        var first = StripeApp.On(fake);
        await first.InitializeAsync();
        var tenant = await first.CreateTenantAsync();
        await StripeApp.ConnectAsync(tenant);
        await first.CustomerAsync(tenant, "cus_pause", "cus_StripePause");
        fake.AddSubscription("sub_pause", "cus_StripePause");
        await tenant.CreateActiveAsync(SaveRule(TrialExtension(14), ["missing_features"], priority: 20));
        var ruleId = await tenant.CreateActiveAsync(SaveRule(Pause(30), ["too_expensive", "unused"], cooldownDays: 60));
        var start = await tenant.ReadClockAsync();

        var offer = await tenant.PresentAsync("cus_pause", "too_expensive", "sub_pause");
        (offer.GetProperty("status").GetString(), offer.GetProperty("ruleId").GetString(), offer.GetProperty("holdout").GetBoolean())
            .ShouldBe(("presented", ruleId, false));
        (offer.GetProperty("offer").GetProperty("type").GetString(), offer.GetProperty("offer").GetProperty("days").GetInt32()).ShouldBe(("pause", 30));
        var offerId = offer.GetProperty("id").GetString()!;

        fake.FailNext(1, StripeFailure.ServerError);
        fake.FailNext(1, StripeFailure.Timeout);
        var accepted = await EngineRequests.ReadAsync(await tenant.AnswerAsync(offerId, "accept", "cancel-flow-accept-1"), 200);
        accepted.GetProperty("pushedToStripe").GetBoolean().ShouldBeTrue();
        accepted.GetProperty("endsAt").GetDateTimeOffset().ShouldBe(start.AddDays(30));
        var rewardId = accepted.GetProperty("rewardId").GetString()!;
        // The same Idempotency-Key replays the first answer; another accept is refused and issues nothing.
        var replay = await tenant.AnswerAsync(offerId, "accept", "cancel-flow-accept-1");
        replay.Headers.GetValues("Idempotent-Replayed").ShouldHaveSingleItem().ShouldBe("true");
        (await EngineRequests.ReadAsync(replay, 200)).GetProperty("rewardId").GetString().ShouldBe(rewardId);
        await (await tenant.AnswerAsync(offerId, "accept")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "save_offer_already_accepted");
        (await tenant.RewardsAsync("cus_pause")).ShouldHaveSingleItem().GetProperty("type").GetString().ShouldBe("pause");

        // A 500, then a timeout after Stripe did the work; the worker stops between retries and another takes over.
        await Eventually.ReadAsync(() => AttemptsAsync(tenant, rewardId), a => a == 1, "attempt 1 recorded");
        first.Clock.Advance(TimeSpan.FromSeconds(6));
        await Eventually.ReadAsync(() => AttemptsAsync(tenant, rewardId), a => a == 2, "attempt 2 recorded");
        await first.DisposeAsync();
        await using var second = StripeApp.On(fake, first.ConnectionString);
        await second.InitializeAsync();
        var again = tenant.On(second);
        second.Clock.Advance(TimeSpan.FromMinutes(2));
        await Eventually.ReadAsync(() => again.EventsAsync("cus_pause", "reward_synced_to_stripe"), e => e.Length == 1, "the pause recorded as synced");

        var calls = fake.Calls.Where(c => c is { Method: "POST", Path: "/v1/subscriptions/sub_pause" }).ToList();
        calls.Count.ShouldBe(3);
        calls.Select(c => c.IdempotencyKey).Distinct().ShouldBe([$"winback_{rewardId}_pause"]);
        var update = fake.SubscriptionUpdates.ShouldHaveSingleItem(); // applied once; the third call was Stripe's replay
        update.Form["pause_collection[behavior]"].ShouldBe("void");
        var pause = fake.Subscriptions["sub_pause"]["pause_collection"]!;
        ((long)pause["resumes_at"]!).ShouldBe(start.AddDays(30).ToUnixTimeSeconds());

        // The pause ends, the first charge fails, the next one is paid: the save is validated at that payment.
        await again.AdvanceAsync(start.AddDays(30).AddHours(1));
        var webhookUrl = $"/v1/integrations/stripe/webhooks/{tenant.Id}";
        (await StripeFake.EmitAsync(second.CreateClient(), webhookUrl, "invoice.payment_failed",
            StripeFake.Invoice("cus_StripePause", 2000, paid: false, "sub_pause"), start.AddDays(30).AddHours(1), second.Clock.GetUtcNow(), StripeSigning.Secret))
            .EnsureSuccessStatusCode();
        (await again.OfferAsync(offerId)).GetProperty("status").GetString().ShouldBe("accepted");
        await again.AdvanceAsync(start.AddDays(33));
        (await again.OfferAsync(offerId)).GetProperty("status").GetString().ShouldBe("accepted"); // 30 days passed, no payment yet
        (await StripeFake.EmitAsync(second.CreateClient(), webhookUrl, "invoice.paid", StripeFake.Invoice("cus_StripePause", 2000, paid: true, "sub_pause"),
            start.AddDays(33), second.Clock.GetUtcNow(), StripeSigning.Secret)).EnsureSuccessStatusCode();
        await again.AdvanceAsync(start.AddDays(34));

        var activities = await again.EventsAsync("cus_pause", "activity_recorded");
        var failed = activities.Where(a => a.GetProperty("type").GetString() == "payment_failed").ShouldHaveSingleItem();
        failed.GetProperty("properties").GetProperty("amountDue").GetString().ShouldBe("2000");
        activities.ShouldContain(a => a.GetProperty("type").GetString() == "purchase");
        var saved = await again.OfferAsync(offerId);
        (saved.GetProperty("status").GetString(), saved.GetProperty("settledAt").GetDateTimeOffset()).ShouldBe(("saved", start.AddDays(33)));
        saved.GetProperty("revenueKept")[0].GetProperty("amount").GetInt64().ShouldBe(2000);

        var row = (await again.SavesReportAsync("reason")).GetProperty("rows").EnumerateArray().ShouldHaveSingleItem();
        (row.GetProperty("key").GetString(), row.GetProperty("presented").GetInt64(), row.GetProperty("accepted").GetInt64(),
            row.GetProperty("validated").GetInt64()).ShouldBe(("too_expensive", 1L, 1L, 1L));
        var byOffer = (await again.SavesReportAsync("offer")).GetProperty("rows").EnumerateArray().ShouldHaveSingleItem();
        byOffer.GetProperty("offer").GetString().ShouldBe("pause_30d");
        var csv = await again.Admin.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/reports/saves?groupBy=reason") { Headers = { { "Accept", "text/csv" } } });
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldStartWith("reason,offer,presented,accepted,declined,withheld,validated,");
        lines[1].ShouldStartWith("too_expensive,,1,1,0,0,1,");
    }

    [Fact]
    public async Task Without_stripe_the_webhook_says_what_to_apply_a_second_save_inside_the_cap_is_withheld_and_the_holdout_gets_no_offer()
    {
        await using var app = new WinBackApp();
        await app.InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        await tenant.CreateEndpointAsync(receiver.Url, "save_offer.presented", "save_offer.accepted");
        await tenant.ActivityAsync("cus_trial", "login");
        var ruleId = await tenant.CreateActiveAsync(SaveRule(TrialExtension(14), ["missing_features", "too_complex"], cooldownDays: 30, holdoutPercent: 20));
        var rule = await tenant.Admin.GetJsonAsync($"/v1/rules/{ruleId}");
        var start = await tenant.ReadClockAsync();
        string InArm(bool holdout) => Enumerable.Range(0, 500).Select(i => $"cus_{i}")
            .First(id => ExperimentAssignment.Assign(tenant.Id, ruleId, id, HoldoutOf(20)) == Variant.Holdout == holdout);
        var treated = InArm(holdout: false);
        var heldOut = InArm(holdout: true);
        await tenant.ActivityAsync(treated, "login");
        await tenant.ActivityAsync(heldOut, "login");
        rule.GetProperty("trigger").GetProperty("type").GetString().ShouldBe("cancellation_intent");

        var offer = await tenant.PresentAsync(treated, "too_complex", "sub_a");
        var offerId = offer.GetProperty("id").GetString()!;
        (await tenant.PresentAsync(treated, "too_complex", "sub_a", status: 200)).GetProperty("id").GetString().ShouldBe(offerId); // one offer per attempt
        var accepted = await EngineRequests.ReadAsync(await tenant.AnswerAsync(offerId, "accept"), 200);
        accepted.GetProperty("pushedToStripe").GetBoolean().ShouldBeFalse();
        var received = await receiver.WaitForAsync(r => r.Any(w => w.Type == "save_offer.accepted"), "save_offer.accepted");
        var presented = received.Single(w => w.Type == "save_offer.presented").Json.GetProperty("data");
        (presented.GetProperty("offer").GetProperty("type").GetString(), presented.GetProperty("offer").GetProperty("days").GetInt32(),
            presented.GetProperty("holdout").GetBoolean()).ShouldBe(("trial_extension", 14, false));
        var webhook = received.Single(w => w.Type == "save_offer.accepted").Json;
        var apply = webhook.GetProperty("data").GetProperty("apply");
        (apply.GetProperty("subscriptionId").GetString(), apply.GetProperty("trialExtensionDays").GetInt32()).ShouldBe(("sub_a", 14));

        // The cap counts from the new trial end (+14) for the rule's 30 days: until +44.
        await tenant.AdvanceAsync(start.AddDays(40));
        var capped = await tenant.PresentAsync(treated, "missing_features", "sub_b");
        (capped.GetProperty("status").GetString(), capped.GetProperty("withheld").GetString()).ShouldBe(("withheld", "cooldown"));
        capped.GetProperty("offer").ValueKind.ShouldBe(JsonValueKind.Null);
        await (await tenant.AnswerAsync(capped.GetProperty("id").GetString()!, "accept")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "save_offer_not_open");
        await tenant.AdvanceAsync(start.AddDays(45));
        var later = await tenant.PresentAsync(treated, "missing_features", "sub_c");
        later.GetProperty("status").GetString().ShouldBe("presented");
        (await EngineRequests.ReadAsync(await tenant.AnswerAsync(later.GetProperty("id").GetString()!, "decline"), 200))
            .GetProperty("status").GetString().ShouldBe("declined");

        // The holdout sees no offer; staying 30 days makes it the comparison.
        var held = await tenant.PresentAsync(heldOut, "missing_features", "sub_h");
        (held.GetProperty("holdout").GetBoolean(), held.GetProperty("status").GetString()).ShouldBe((true, "holdout"));
        held.GetProperty("offer").ValueKind.ShouldBe(JsonValueKind.Null);
        await tenant.AdvanceAsync(start.AddDays(76));
        (await tenant.OfferAsync(held.GetProperty("id").GetString()!)).GetProperty("status").GetString().ShouldBe("saved");
        var row = (await tenant.SavesReportAsync("offer")).GetProperty("rows").EnumerateArray().ShouldHaveSingleItem();
        (row.GetProperty("presented").GetInt64(), row.GetProperty("accepted").GetInt64(), row.GetProperty("declined").GetInt64(),
            row.GetProperty("withheld").GetInt64(), row.GetProperty("holdout").GetInt64(), row.GetProperty("holdoutRetained").GetInt64())
            .ShouldBe((2L, 1L, 1L, 1L, 1L, 1L));

        // Bad input names its field; another tenant's offer is not found.
        var unknown = await tenant.Ingest.PostAsync($"/v1/customers/{treated}/save-offers",
            RuleRequests.Json(new System.Text.Json.Nodes.JsonObject { ["reason"] = "bored", ["subscriptionId"] = "sub_x" }));
        (await unknown.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_json")).GetProperty("errors").EnumerateObject()
            .ShouldContain(e => e.Name == "reason");
        var stranger = await app.CreateTenantAsync(name: "other");
        await (await stranger.Ingest.GetAsync($"/v1/save-offers/{offerId}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        await (await stranger.Ingest.PostAsync($"/v1/save-offers/{offerId}/accept", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
    }

    [Fact]
    public async Task A_trial_extension_moves_trial_end_from_the_later_of_the_current_end_and_now_and_a_retry_sends_the_same_end()
    {
        await using var app = new StripeApp();
        await app.InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        await StripeApp.ConnectAsync(tenant);
        await app.CustomerAsync(tenant, "cus_trial", "cus_StripeTrial");
        var start = await tenant.ReadClockAsync();
        app.Fake.AddSubscription("sub_trial", "cus_StripeTrial", trialEnd: start.AddDays(5));
        await tenant.CreateActiveAsync(SaveRule(TrialExtension(14), ["too_complex"]));
        var offerId = (await tenant.PresentAsync("cus_trial", "too_complex", "sub_trial")).GetProperty("id").GetString()!;

        app.Fake.FailNextPost(StripeFailure.Timeout); // Stripe moves the trial, the answer comes too late
        var rewardId = (await EngineRequests.ReadAsync(await tenant.AnswerAsync(offerId, "accept"), 200)).GetProperty("rewardId").GetString()!;
        await Eventually.ReadAsync(() => AttemptsAsync(tenant, rewardId), a => a == 1, "attempt 1 recorded");
        app.Clock.Advance(TimeSpan.FromSeconds(6));
        await Eventually.ReadAsync(() => tenant.EventsAsync("cus_trial", "reward_synced_to_stripe"), e => e.Length == 1, "the trial extension synced");

        var subscription = app.Fake.Subscriptions["sub_trial"];
        ((long)subscription["trial_end"]!).ShouldBe(start.AddDays(5 + 14).ToUnixTimeSeconds());
        app.Fake.SubscriptionUpdates.ShouldHaveSingleItem();
        var calls = app.Fake.Calls.Where(c => c.Path == "/v1/subscriptions/sub_trial").ToList();
        calls.Count(c => c.Method == "GET").ShouldBe(1); // read once, then fixed in the outbox row
        calls.Where(c => c.Method == "POST").Select(c => c.Form["trial_end"]).Distinct().ShouldHaveSingleItem();
    }

    // Only the holdout share and the arms decide the assignment.
    private static RuleDefinition HoldoutOf(int percent) => new("save", 10, new Trigger(TriggerType.CancellationIntent, 0, []), Eligibility.Everyone,
        new RewardSpec(RewardType.TrialExtension, null, null, null, null, null, 14, RewardGrant.Immediate, 14), Limits.None,
        new Experiment(percent, []), null, RuleDefinition.DefaultAttributionDays);

    private static async Task<int> AttemptsAsync(TestTenant tenant, string rewardId)
    {
        var reward = await EngineRequests.ReadAsync(await tenant.Ingest.GetAsync($"/v1/rewards/{rewardId}"), 200);
        return reward.GetProperty("stripeSync") is { ValueKind: JsonValueKind.Object } sync ? sync.GetProperty("attempts").GetInt32() : 0;
    }
}
