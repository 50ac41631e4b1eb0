using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Reports;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Engine;

/// <summary>Moment rules on a test clock: each fires at its moment, once; late events, time zones and leap years; the outcome report.</summary>
public sealed class MomentRuleTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    private static JsonObject Moment(JsonObject trigger, int holdoutPercent = 0) => new()
    {
        ["name"] = $"moment {trigger["type"]}",
        ["trigger"] = trigger,
        ["reward"] = new JsonObject { ["type"] = "account_credit", ["amount"] = 500, ["currency"] = "eur", ["expiresInDays"] = 400 },
        ["experiment"] = holdoutPercent > 0 ? new JsonObject { ["holdoutPercent"] = holdoutPercent } : null,
        ["attributionDays"] = 30,
    };

    private static async Task<JsonElement[]> MomentsAsync(TestTenant tenant, string customerId) => await tenant.EventsAsync(customerId, "moment_reached");

    private static async Task ProfileAsync(TestTenant tenant, string customerId, string birthday) =>
        await EngineRequests.ReadAsync(await tenant.Ingest.PutAsync($"/v1/customers/{customerId}",
            RuleRequests.Json(new JsonObject { ["birthday"] = birthday })), 200);

    [Fact]
    public async Task A_welcome_fires_days_after_first_seen_once_and_a_second_sweep_fires_nothing()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.CreateActiveAsync(Moment(new JsonObject { ["type"] = "welcome", ["days"] = 3 }));
        await tenant.ActivityAsync("c1", "login");

        await tenant.AdvanceAsync(T0.AddDays(3).AddMinutes(-1));
        (await MomentsAsync(tenant, "c1")).ShouldBeEmpty();
        await tenant.AdvanceAsync(T0.AddDays(10));

        var reached = (await MomentsAsync(tenant, "c1")).ShouldHaveSingleItem();
        reached.GetProperty("reachedAt").GetDateTimeOffset().ShouldBe(T0.AddDays(3));
        reached.GetProperty("trigger").GetString().ShouldBe("welcome");
        (await tenant.RewardsAsync("c1")).ShouldHaveSingleItem();
        // The customer is not lapsed by a moment.
        (await tenant.CustomerAsync("c1")).GetProperty("status").GetString().ShouldBe("active");

        var sweep = await tenant.WaitForSweepAsync((await EngineRequests.ReadAsync(await tenant.Admin.PostAsync("/v1/sweeps", null), 202))
            .GetProperty("id").GetString()!);
        sweep.GetProperty("rewarded").GetInt32().ShouldBe(0);
        await tenant.AdvanceAsync(T0.AddYears(2));
        (await MomentsAsync(tenant, "c1")).ShouldHaveSingleItem();
        (await tenant.RewardsAsync("c1")).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_backdated_purchase_that_makes_the_third_order_fires_it_once_at_once_and_a_later_one_does_not_fire_again()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.CreateActiveAsync(Moment(new JsonObject { ["type"] = "nth_purchase", ["count"] = 3 }));
        await tenant.AdvanceAsync(T0.AddDays(1));
        await tenant.ActivityAsync("c1", "purchase", amount: 1000);
        await tenant.AdvanceAsync(T0.AddDays(5));
        await tenant.ActivityAsync("c1", "purchase", amount: 1000);
        await tenant.AdvanceAsync(T0.AddDays(6));
        (await MomentsAsync(tenant, "c1")).ShouldBeEmpty();

        await tenant.ActivityAsync("c1", "purchase", T0.AddDays(3), 1000);
        await tenant.AdvanceAsync(T0.AddDays(6).AddMinutes(10));

        var reached = (await MomentsAsync(tenant, "c1")).ShouldHaveSingleItem();
        reached.GetProperty("reachedAt").GetDateTimeOffset().ShouldBe(T0.AddDays(5)); // the 3rd order in time order
        reached.GetProperty("detectedAt").GetDateTimeOffset().ShouldBeLessThanOrEqualTo(T0.AddDays(6).AddMinutes(10));

        await tenant.ActivityAsync("c1", "purchase", T0.AddDays(2), 1000);
        await tenant.AdvanceAsync(T0.AddDays(60));
        (await MomentsAsync(tenant, "c1")).ShouldHaveSingleItem();
        (await tenant.RewardsAsync("c1")).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Lifetime_value_and_anniversary_fire_at_their_moments()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.CreateActiveAsync(Moment(new JsonObject { ["type"] = "lifetime_value_reached", ["amount"] = 5000, ["currency"] = "eur" }));
        await tenant.CreateActiveAsync(Moment(new JsonObject { ["type"] = "anniversary", ["years"] = new JsonArray(1, 2) }));
        await tenant.AdvanceAsync(T0.AddHours(1));
        await tenant.ActivityAsync("c1", "purchase", amount: 3000);
        await tenant.AdvanceAsync(T0.AddDays(2));
        await tenant.ActivityAsync("c1", "purchase", amount: 3000);

        await tenant.AdvanceAsync(T0.AddYears(2).AddDays(1));

        var reached = await MomentsAsync(tenant, "c1");
        reached.Select(m => (m.GetProperty("key").GetString(), m.GetProperty("reachedAt").GetDateTimeOffset())).ShouldBe(
        [
            ("lifetime_value:5000:eur", T0.AddDays(2)),
            ("anniversary:1", T0.AddHours(1).AddYears(1)),
            ("anniversary:2", T0.AddHours(1).AddYears(2)),
        ]);
        (await tenant.RewardsAsync("c1")).Length.ShouldBe(3);
    }

    [Fact]
    public async Task A_birthday_fires_once_a_year_at_the_start_of_the_day_in_the_tenant_time_zone_and_29_February_on_28_February()
    {
        var tenant = await app.CreateTenantAsync();
        var settings = await EngineRequests.ReadAsync(await tenant.Admin.PatchAsync("/v1/settings",
            RuleRequests.Json(new JsonObject { ["timeZone"] = "Europe/Paris" })), 200);
        settings.GetProperty("timeZone").GetString().ShouldBe("Europe/Paris");
        await tenant.CreateActiveAsync(Moment(new JsonObject { ["type"] = "birthday", ["daysBefore"] = 2 }));
        await ProfileAsync(tenant, "ada", "1990-12-10");
        await ProfileAsync(tenant, "leap", "02-29");

        await tenant.AdvanceAsync(DateTimeOffset.Parse("2027-12-31T00:00:00Z"));

        // Paris is UTC+1 in winter: the local start of 8 December is 23:00 UTC the day before.
        (await MomentsAsync(tenant, "ada")).Select(m => m.GetProperty("reachedAt").GetDateTimeOffset()).ShouldBe(
            [DateTimeOffset.Parse("2026-12-07T23:00:00Z"), DateTimeOffset.Parse("2027-12-07T23:00:00Z")]);
        (await MomentsAsync(tenant, "leap")).ShouldHaveSingleItem().GetProperty("reachedAt").GetDateTimeOffset()
            .ShouldBe(DateTimeOffset.Parse("2027-02-25T23:00:00Z")); // 28 Feb 2027 − 2 days, local midnight
        (await tenant.RewardsAsync("ada")).Length.ShouldBe(2);
        (await tenant.CustomerAsync("ada")).GetProperty("birthday").GetString().ShouldBe("1990-12-10");
    }

    [Fact]
    public async Task A_moment_reward_goes_out_as_reward_issued_with_its_rendered_message()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync();
        await tenant.CreateEndpointAsync(receiver.Url, "reward.issued");
        var rule = Moment(new JsonObject { ["type"] = "nth_purchase", ["count"] = 1 });
        rule["message"] = new JsonObject { ["subject"] = "Thanks for your first order, {{customer.id}}", ["body"] = "{{reward.amount}} {{reward.currency}} from {{rule.name}}" };
        await tenant.CreateActiveAsync(rule);
        await tenant.ActivityAsync("first", "purchase", amount: 1000);

        await tenant.AdvanceAsync(T0.AddHours(1));

        var issued = (await receiver.WaitForAsync(r => r.Count == 1, "the moment's reward")).Single().Json.GetProperty("data");
        issued.GetProperty("message").GetProperty("subject").GetString().ShouldBe("Thanks for your first order, first");
        issued.GetProperty("message").GetProperty("body").GetString().ShouldBe("5.00 eur from moment nth_purchase");
    }

    [Fact]
    public async Task A_welcome_per_acquisition_channel_rewards_the_channel_and_withholds_the_others_as_ineligible()
    {
        var tenant = await app.CreateTenantAsync();
        var rule = Moment(new JsonObject { ["type"] = "welcome", ["days"] = 0 });
        rule["eligibility"] = new JsonObject { ["attributes"] = new JsonObject { ["channel"] = "referral" } };
        await tenant.CreateActiveAsync(rule);
        foreach (var (id, channel) in new[] { ("ref", "referral"), ("web", "web") })
            await EngineRequests.ReadAsync(await tenant.Ingest.PutAsync($"/v1/customers/{id}",
                RuleRequests.Json(new JsonObject { ["attributes"] = new JsonObject { ["channel"] = channel } })), 200);

        await tenant.AdvanceAsync(T0.AddHours(1));

        (await tenant.RewardsAsync("ref")).ShouldHaveSingleItem();
        (await tenant.RewardsAsync("web")).ShouldBeEmpty();
        (await tenant.EventsAsync("web", "reward_withheld")).ShouldHaveSingleItem().GetProperty("reason").GetString().ShouldBe("ineligible");
    }

    [Fact]
    public async Task Moments_from_before_the_rule_was_activated_do_not_fire()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.ActivityAsync("old", "login");
        await tenant.AdvanceAsync(T0.AddDays(5));
        await tenant.CreateActiveAsync(Moment(new JsonObject { ["type"] = "welcome", ["days"] = 1 }));
        await tenant.ActivityAsync("new", "login");

        await tenant.AdvanceAsync(T0.AddDays(10));

        (await MomentsAsync(tenant, "old")).ShouldBeEmpty();
        (await MomentsAsync(tenant, "new")).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task The_outcome_report_counts_purchases_within_the_attribution_window_against_the_holdout_by_trigger()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.CreateActiveAsync(Moment(new JsonObject { ["type"] = "welcome", ["days"] = 0 }, holdoutPercent: 50));
        var ids = Enumerable.Range(0, 20).Select(i => $"c{i:D2}").ToArray();
        foreach (var id in ids)
            await tenant.ActivityAsync(id, "login");
        await tenant.AdvanceAsync(T0.AddDays(1));
        foreach (var id in ids.Take(6))
            await tenant.ActivityAsync(id, "purchase", amount: 2000);
        await tenant.AdvanceAsync(T0.AddDays(40));
        foreach (var id in ids.Skip(6).Take(3))
            await tenant.ActivityAsync(id, "purchase", amount: 2000); // after the 30-day window: no outcome

        var heldOut = new List<string>();
        foreach (var id in ids)
            if ((await MomentsAsync(tenant, id)).ShouldHaveSingleItem().GetProperty("variant").GetString() == "holdout")
                heldOut.Add(id);
        await app.ReportsCaughtUpAsync();
        var row = (await tenant.Admin.GetJsonAsync("/v1/reports/reactivation?groupBy=trigger")).GetProperty("rows").EnumerateArray()
            .Single(r => r.GetProperty("trigger").GetString() == "welcome");

        row.GetProperty("lapsed").GetInt64().ShouldBe(20);
        row.GetProperty("reactivated").GetInt64().ShouldBe(6);
        row.GetProperty("holdout").GetInt64().ShouldBe(heldOut.Count);
        row.GetProperty("rewarded").GetInt64().ShouldBe(20 - heldOut.Count);
        row.TryGetProperty("uplift", out _).ShouldBeTrue(row.GetRawText());
    }

    [Fact]
    public async Task A_moment_rule_previews_the_moments_not_yet_fired()
    {
        var tenant = await app.CreateTenantAsync();
        foreach (var id in new[] { "a", "b", "c" })
            await tenant.ActivityAsync(id, "purchase", amount: 1000);
        await tenant.ActivityAsync("a", "purchase", amount: 1000);

        var preview = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync("/v1/rules/preview",
            RuleRequests.Json(Moment(new JsonObject { ["type"] = "nth_purchase", ["count"] = 2 }))), 200);

        preview.GetProperty("lapsed").GetInt32().ShouldBe(1);
        preview.GetProperty("rewarded").GetInt32().ShouldBe(1);
    }

    public static TheoryData<string, string, string> BadTriggers => new()
    {
        { "trigger.count", """{"type": "nth_purchase", "count": 0}""", "between 1 and" },
        { "trigger.count", """{"type": "nth_purchase"}""", "required for the nth_purchase trigger" },
        { "trigger.amount", """{"type": "lifetime_value_reached", "amount": -1, "currency": "eur"}""", "between 1 and" },
        { "trigger.currency", """{"type": "lifetime_value_reached", "amount": 5000, "currency": "xyz"}""", "ISO 4217" },
        { "trigger.years", """{"type": "anniversary", "years": [0]}""", "1 to 100" },
        { "trigger.years", """{"type": "anniversary"}""", "required for the anniversary trigger" },
        { "trigger.daysBefore", """{"type": "birthday", "daysBefore": -1}""", "between 0 and 60" },
        { "trigger.days", """{"type": "welcome", "days": -1}""", "between 0 and 3650" },
        { "trigger.days", """{"type": "birthday", "days": 3}""", "not used by the birthday trigger" },
        { "trigger.count", """{"type": "welcome", "days": 0, "count": 3}""", "only for the nth_purchase trigger" },
        { "trigger.from", """{"type": "nth_purchase", "count": 3, "from": "first_seen"}""", "only for the anniversary trigger" },
    };

    [Theory]
    [MemberData(nameof(BadTriggers))]
    public async Task A_bad_moment_trigger_is_a_400_naming_its_field(string field, string trigger, string message)
    {
        var tenant = await app.CreateTenantAsync();

        var problem = await (await tenant.Admin.PostAsync("/v1/rules", RuleRequests.Json(Moment(JsonNode.Parse(trigger)!.AsObject()))))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe([field], problem.GetRawText());
        problem.FieldErrors(field).ShouldHaveSingleItem().ShouldContain(message);
    }

    [Fact]
    public async Task An_unknown_trigger_field_a_bad_birthday_and_a_bad_time_zone_are_400s_naming_the_field()
    {
        var tenant = await app.CreateTenantAsync();

        (await (await tenant.Admin.PostAsync("/v1/rules", RuleRequests.Json(Moment(new JsonObject { ["type"] = "nth_purchase", ["count"] = 3, ["colour"] = 1 }))))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_json")).GetProperty("errors").TryGetProperty("trigger.colour", out _).ShouldBeTrue();
        (await (await tenant.Ingest.PutAsync("/v1/customers/c1", RuleRequests.Json(new JsonObject { ["birthday"] = "2001-02-29" })))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).FieldErrors("birthday").ShouldHaveSingleItem().ShouldContain("MM-DD");
        (await (await tenant.Admin.PatchAsync("/v1/settings", RuleRequests.Json(new JsonObject { ["timeZone"] = "Mars/Olympus" })))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).FieldErrors("timeZone").ShouldHaveSingleItem().ShouldContain("IANA");
        (await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/settings"), 200)).GetProperty("timeZone").GetString().ShouldBe("UTC");
        var onReturn = Moment(new JsonObject { ["type"] = "welcome", ["days"] = 0 });
        onReturn["reward"]!["grant"] = "on_return";
        (await (await tenant.Admin.PostAsync("/v1/rules", RuleRequests.Json(onReturn))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))
            .FieldErrors("reward.grant").ShouldHaveSingleItem().ShouldContain("immediate");
    }
}
