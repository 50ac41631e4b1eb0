using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Reports;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Engine;

/// <summary>The churn signal triggers on a test clock, through the real pipeline: exact crossings, episodes, the outcome, the backtest and the report.</summary>
public sealed class SignalRuleTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    private static readonly JsonObject Decline = new()
    {
        ["type"] = "usage_decline", ["activities"] = new JsonArray("login", "custom:report_viewed"), ["recentDays"] = 14, ["baselineDays"] = 56,
        ["dropBelow"] = 0.4, ["minBaseline"] = 8,
    };

    private static readonly JsonObject Burst = new() { ["type"] = "contact_burst", ["activity"] = "custom:support_contact", ["count"] = 5, ["withinDays"] = 30 };

    private static readonly JsonObject PaymentFailed = new() { ["type"] = "payment_failed" };

    private static JsonObject Signal(JsonObject trigger, int holdoutPercent = 0) => new()
    {
        ["name"] = $"signal {trigger["type"]}",
        ["trigger"] = trigger.DeepClone(),
        ["reward"] = new JsonObject { ["type"] = "account_credit", ["amount"] = 500, ["currency"] = "eur", ["expiresInDays"] = 400 },
        ["experiment"] = holdoutPercent > 0 ? new JsonObject { ["holdoutPercent"] = holdoutPercent } : null,
        ["attributionDays"] = 14,
    };

    // Activities of any customers, at the given times (backdated ones included), through the batch endpoint.
    private static async Task RecordAsync(TestTenant tenant, IEnumerable<(string Customer, string Type, DateTimeOffset At)> activities)
    {
        var items = new JsonArray();
        foreach (var (customer, type, at) in activities)
        {
            var item = new JsonObject { ["customerId"] = customer, ["occurredAt"] = at.ToString("O") };
            if (type.StartsWith("custom:", StringComparison.Ordinal))
                (item["type"], item["name"]) = ("custom", type["custom:".Length..]);
            else
                item["type"] = type;
            items.Add(item);
        }
        var result = await EngineRequests.ReadAsync(await tenant.Ingest.PostAsync("/v1/activities/batch",
            RuleRequests.Json(new JsonObject { ["activities"] = items })), 200);
        result.GetProperty("results").EnumerateArray().ShouldAllBe(r => r.GetProperty("status").GetString() == "created", result.GetRawText());
    }

    private static IEnumerable<(string, string, DateTimeOffset)> Daily(string customer, DateTimeOffset from, int days) =>
        Enumerable.Range(0, days).Select(d => (customer, d % 2 == 0 ? "login" : "custom:report_viewed", from.AddDays(d)));

    private static Task<JsonElement[]> FiredAsync(TestTenant tenant, string customer) => tenant.EventsAsync(customer, "moment_reached");

    [Fact]
    public async Task Usage_decline_fires_at_its_exact_crossing_not_below_min_baseline_and_again_only_after_recovery()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.CreateActiveAsync(Signal(Decline));
        // 70 days of daily use up to today (24 Nov), before the rule existed: the windows look back. Day d's recent window holds
        // the 14 days up to it, its baseline the 56 before; once use stops the recent count falls by one a day, and it first drops
        // below 0.4 x 56 x 14/56 = 5.6 on 3 Dec (5 uses, 20-24 Nov, in its window 20 Nov-3 Dec), at local (UTC) midnight.
        await RecordAsync(tenant, Daily("heavy", T0.AddDays(-69), 70));
        await RecordAsync(tenant, Daily("light", T0.AddDays(-6), 7)); // 7 uses: the baseline never holds the 8 required
        var crossing = DateTimeOffset.Parse("2026-12-03T00:00:00Z");

        await tenant.AdvanceAsync(crossing.AddSeconds(-1));
        (await FiredAsync(tenant, "heavy")).ShouldBeEmpty();
        await tenant.AdvanceAsync(crossing.AddDays(1));

        var fired = (await FiredAsync(tenant, "heavy")).ShouldHaveSingleItem();
        fired.GetProperty("trigger").GetString().ShouldBe("usage_decline");
        fired.GetProperty("reachedAt").GetDateTimeOffset().ShouldBe(crossing);
        fired.GetProperty("triggeredAt").GetDateTimeOffset().ShouldBe(crossing);
        (await tenant.RewardsAsync("heavy")).ShouldHaveSingleItem().GetProperty("triggeredAt").GetDateTimeOffset().ShouldBe(crossing);
        (await FiredAsync(tenant, "light")).ShouldBeEmpty();

        // Still in decline: the episode stays open and nothing fires again, however long.
        await tenant.AdvanceAsync(DateTimeOffset.Parse("2027-01-30T00:00:00Z"));
        (await FiredAsync(tenant, "heavy")).ShouldHaveSingleItem();

        // Use again from 10 Dec to 28 Jan (reported late): the ratio is back at 0.8 on 19 Dec (10 uses against 45 in the baseline),
        // which re-arms the rule; use stops again after 28 Jan, and the second decline crosses on 7 Feb.
        await RecordAsync(tenant, Daily("heavy", DateTimeOffset.Parse("2026-12-10T12:00:00Z"), 50));
        await tenant.AdvanceAsync(DateTimeOffset.Parse("2027-03-15T00:00:00Z"));

        (await tenant.EventsAsync("heavy", "signal_rearmed")).ShouldHaveSingleItem().GetProperty("rearmedAt").GetDateTimeOffset()
            .ShouldBe(DateTimeOffset.Parse("2026-12-19T00:00:00Z"));
        (await FiredAsync(tenant, "heavy")).Select(m => m.GetProperty("reachedAt").GetDateTimeOffset())
            .ShouldBe([crossing, DateTimeOffset.Parse("2027-02-07T00:00:00Z")]);
        (await tenant.RewardsAsync("heavy")).Length.ShouldBe(2);
    }

    [Fact]
    public async Task Contact_burst_fires_at_the_fifth_contact_within_30_days_and_not_for_five_over_31()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.CreateActiveAsync(Signal(Burst));
        await tenant.AdvanceAsync(T0.AddDays(29));
        await RecordAsync(tenant, new[] { 0, 7, 14, 21 }.Select(d => ("five", "custom:support_contact", T0.AddDays(d))));
        await RecordAsync(tenant, new[] { 0, 7, 14, 21 }.Select(d => ("spread", "custom:support_contact", T0.AddDays(d))));
        await tenant.AdvanceAsync(T0.AddDays(29).AddHours(1));
        (await FiredAsync(tenant, "five")).ShouldBeEmpty();

        await RecordAsync(tenant, [("five", "custom:support_contact", T0.AddDays(29).AddHours(1))]);
        await tenant.AdvanceAsync(T0.AddDays(30).AddHours(2));
        await RecordAsync(tenant, [("spread", "custom:support_contact", T0.AddDays(30).AddHours(2))]);
        await tenant.AdvanceAsync(T0.AddDays(60));

        // The 5th contact counts from the start of its day (23 Dec, UTC); it is known at 10:00 and fires at the next tick, dated then.
        var fired = (await FiredAsync(tenant, "five")).ShouldHaveSingleItem();
        fired.GetProperty("reachedAt").GetDateTimeOffset().ShouldBe(DateTimeOffset.Parse("2026-12-23T00:00:00Z"));
        fired.GetProperty("detectedAt").GetDateTimeOffset().ShouldBeLessThanOrEqualTo(T0.AddDays(29).AddHours(1).AddMinutes(5));
        (await FiredAsync(tenant, "spread")).ShouldBeEmpty();
        // Day 24 Nov's contact left the window on 24 Dec: the rule re-armed.
        (await tenant.EventsAsync("five", "signal_rearmed")).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_payment_failed_activity_issues_the_reward_a_later_purchase_counts_as_recovered_and_the_holdout_is_counted()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.CreateActiveAsync(Signal(PaymentFailed, holdoutPercent: 50));
        var ids = Enumerable.Range(0, 16).Select(i => $"c{i:D2}").ToArray();
        foreach (var id in ids)
            await tenant.ActivityAsync(id, "payment_failed");
        await tenant.AdvanceAsync(T0.AddHours(1));

        var heldOut = new List<string>();
        foreach (var id in ids)
        {
            var fired = (await FiredAsync(tenant, id)).ShouldHaveSingleItem();
            fired.GetProperty("trigger").GetString().ShouldBe("payment_failed");
            if (fired.GetProperty("variant").GetString() == "holdout")
                heldOut.Add(id);
            else
                (await tenant.RewardsAsync(id)).ShouldHaveSingleItem().GetProperty("triggeredAt").GetDateTimeOffset().ShouldBe(T0);
        }
        heldOut.Count.ShouldBeInRange(1, 15); // the scenario needs both groups
        // Recovered: a payment within the 14 days of attribution; c00-c03 pay on day 2, c04 on day 20 (too late).
        await tenant.AdvanceAsync(T0.AddDays(2));
        foreach (var id in ids.Take(4))
            await tenant.ActivityAsync(id, "purchase", amount: 2000);
        await tenant.AdvanceAsync(T0.AddDays(20));
        await tenant.ActivityAsync(ids[4], "purchase", amount: 2000);
        await app.ReportsCaughtUpAsync();

        var report = await tenant.Admin.GetJsonAsync("/v1/reports/signals?groupBy=trigger");
        var row = report.GetProperty("rows").EnumerateArray().ShouldHaveSingleItem();
        row.GetProperty("trigger").GetString().ShouldBe("payment_failed");
        row.GetProperty("fired").GetInt64().ShouldBe(16);
        row.GetProperty("holdout").GetInt64().ShouldBe(heldOut.Count);
        row.GetProperty("rewarded").GetInt64().ShouldBe(16 - heldOut.Count);
        row.GetProperty("outcomes").GetInt64().ShouldBe(4);
        var treatedRecovered = ids.Take(4).Count(id => !heldOut.Contains(id));
        row.GetProperty("outcomeRate").GetDouble().ShouldBe((double)treatedRecovered / (16 - heldOut.Count), 1e-9);
        row.GetProperty("holdoutRate").GetDouble().ShouldBe((double)(4 - treatedRecovered) / heldOut.Count, 1e-9);
        row.GetProperty("uplift").GetProperty("ciLow").GetDouble().ShouldBeLessThan(row.GetProperty("uplift").GetProperty("ciHigh").GetDouble());

        var variants = (await tenant.Admin.GetJsonAsync("/v1/reports/signals?groupBy=variant")).GetProperty("rows").EnumerateArray()
            .Select(r => r.GetProperty("variant").GetString()).ToList();
        variants.ShouldBe(["default", "holdout"]);
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/reports/signals");
        request.Headers.Accept.ParseAdd("text/csv");
        var csv = await (await tenant.Admin.SendAsync(request)).Content.ReadAsStringAsync();
        csv.Split("\r\n")[0].ShouldStartWith("trigger,fired,treated,holdout,rewarded,");
        csv.Split("\r\n")[1].ShouldStartWith($"payment_failed,16,{16 - heldOut.Count},{heldOut.Count},");
    }

    [Fact]
    public async Task A_payment_failed_rule_for_loyal_customers_withholds_the_reward_from_new_ones()
    {
        var tenant = await app.CreateTenantAsync();
        var rule = Signal(PaymentFailed);
        rule["eligibility"] = new JsonObject { ["minCustomerDays"] = 30, ["minOrderCount"] = 1 };
        (await tenant.CreateAsync(rule)).GetProperty("eligibility").GetProperty("minCustomerDays").GetInt32().ShouldBe(30);
        await tenant.CreateActiveAsync(rule);
        await RecordAsync(tenant, [("loyal", "login", T0.AddDays(-40))]);
        await tenant.ActivityAsync("loyal", "purchase", T0.AddDays(-20), 1000);
        await tenant.ActivityAsync("newcomer", "purchase", T0.AddDays(-2), 1000);
        foreach (var id in new[] { "loyal", "newcomer" })
            await tenant.ActivityAsync(id, "payment_failed");

        await tenant.AdvanceAsync(T0.AddHours(1));

        (await tenant.RewardsAsync("loyal")).ShouldHaveSingleItem();
        (await tenant.RewardsAsync("newcomer")).ShouldBeEmpty();
        (await tenant.EventsAsync("newcomer", "reward_withheld")).ShouldHaveSingleItem().GetProperty("reason").GetString().ShouldBe("ineligible");
    }

    [Fact]
    public async Task Every_signal_trigger_works_with_the_backtest()
    {
        var tenant = await app.CreateTenantAsync();
        await RecordAsync(tenant, Daily("heavy", T0.AddDays(-69), 70));
        await tenant.AdvanceAsync(T0.AddDays(29).AddHours(1));
        await RecordAsync(tenant, new[] { 0, 7, 14, 21, 29 }.Select(d => ("five", "custom:support_contact", T0.AddDays(d))));
        await tenant.ActivityAsync("late", "payment_failed");
        await tenant.AdvanceAsync(T0.AddDays(40));

        foreach (var (trigger, customer) in new[] { (Decline, "heavy"), (Burst, "five"), (PaymentFailed, "late") })
        {
            var queued = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync("/v1/rules/backtest", RuleRequests.Json(new JsonObject
            {
                ["rule"] = Signal(trigger), ["from"] = T0.ToString("O"), ["to"] = T0.AddDays(39).ToString("O"),
            })), 202);
            var job = await Eventually.ReadAsync(
                async () => await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/rules/backtests/{queued.GetProperty("id").GetString()}"), 200),
                j => j.GetProperty("status").GetString() is "succeeded" or "failed", "the backtest to finish");
            job.GetProperty("status").GetString().ShouldBe("succeeded", job.GetRawText());
            var reached = job.GetProperty("result").GetProperty("customers").EnumerateArray().ShouldHaveSingleItem($"{trigger["type"]}");
            reached.GetProperty("customerId").GetString().ShouldBe(customer);
        }
    }

    [Fact]
    public async Task A_draft_signal_rule_previews_the_crossings_of_the_last_30_days_and_writes_no_steps()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.AdvanceAsync(T0.AddDays(10));
        await RecordAsync(tenant, Daily("heavy", T0.AddDays(-69), 70));
        await RecordAsync(tenant, Daily("steady", T0.AddDays(-69), 80));

        var preview = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync("/v1/rules/preview", RuleRequests.Json(Signal(Decline))), 200);

        preview.GetProperty("lapsed").GetInt32().ShouldBe(1); // heavy crossed on 3 Dec; steady is still in use
        preview.GetProperty("rewarded").GetInt32().ShouldBe(1);
        (await FiredAsync(tenant, "heavy")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Signal_steps_and_the_signal_report_are_each_tenant_s_own()
    {
        var (a, b) = (await app.CreateTenantAsync(), await app.CreateTenantAsync());
        await a.CreateActiveAsync(Signal(Decline));
        await b.CreateActiveAsync(Signal(Decline));
        await RecordAsync(a, Daily("heavy", T0.AddDays(-69), 70));
        await b.ActivityAsync("heavy", "login"); // the same customer id, without the history

        await a.AdvanceAsync(T0.AddDays(10));
        await b.AdvanceAsync(T0.AddDays(10));
        await app.ReportsCaughtUpAsync();

        (await FiredAsync(a, "heavy")).ShouldHaveSingleItem();
        (await FiredAsync(b, "heavy")).ShouldBeEmpty();
        (await a.Admin.GetJsonAsync("/v1/reports/signals")).GetProperty("rows").EnumerateArray().ShouldHaveSingleItem().GetProperty("fired").GetInt64().ShouldBe(1);
        (await b.Admin.GetJsonAsync("/v1/reports/signals")).GetProperty("rows").EnumerateArray().ShouldBeEmpty();
        (await b.Ingest.GetAsync("/v1/reports/signals")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    public static TheoryData<string, string, string> BadTriggers => new()
    {
        { "trigger.recentDays", """{"type": "usage_decline", "activities": ["login"], "recentDays": 0, "baselineDays": 56, "dropBelow": 0.4, "minBaseline": 8}""", "between 1 and 365" },
        { "trigger.baselineDays", """{"type": "usage_decline", "activities": ["login"], "recentDays": 14, "baselineDays": 366, "dropBelow": 0.4, "minBaseline": 8}""", "between 1 and 365" },
        { "trigger.dropBelow", """{"type": "usage_decline", "activities": ["login"], "recentDays": 14, "baselineDays": 56, "dropBelow": 1, "minBaseline": 8}""", "strictly between 0 and 1" },
        { "trigger.dropBelow", """{"type": "usage_decline", "activities": ["login"], "recentDays": 14, "baselineDays": 56, "dropBelow": 0, "minBaseline": 8}""", "strictly between 0 and 1" },
        { "trigger.rearmAbove", """{"type": "usage_decline", "activities": ["login"], "recentDays": 14, "baselineDays": 56, "dropBelow": 0.4, "rearmAbove": 0.4, "minBaseline": 8}""", "greater than 'dropBelow'" },
        { "trigger.minBaseline", """{"type": "usage_decline", "activities": ["login"], "recentDays": 14, "baselineDays": 56, "dropBelow": 0.4, "minBaseline": 0}""", "between 1 and" },
        { "trigger.activities", """{"type": "usage_decline", "recentDays": 14, "baselineDays": 56, "dropBelow": 0.4, "minBaseline": 8}""", "required for the usage_decline trigger" },
        { "trigger.activities[0]", """{"type": "usage_decline", "activities": ["custom:"], "recentDays": 14, "baselineDays": 56, "dropBelow": 0.4, "minBaseline": 8}""", "custom:NAME" },
        { "trigger.count", """{"type": "contact_burst", "activity": "custom:support_contact", "count": 1, "withinDays": 30}""", "between 2 and" },
        { "trigger.withinDays", """{"type": "contact_burst", "activity": "custom:support_contact", "count": 5, "withinDays": 366}""", "between 1 and 365" },
        { "trigger.activity", """{"type": "contact_burst", "activity": "support", "count": 5, "withinDays": 30}""", "custom:NAME" },
        { "trigger.recentDays", """{"type": "contact_burst", "activity": "login", "count": 5, "withinDays": 30, "recentDays": 3}""", "only for the usage_decline trigger" },
        { "trigger.withinDays", """{"type": "payment_failed", "withinDays": 3}""", "only for the contact_burst trigger" },
    };

    [Theory]
    [MemberData(nameof(BadTriggers))]
    public async Task A_bad_signal_trigger_is_a_400_naming_its_field(string field, string trigger, string message)
    {
        var tenant = await app.CreateTenantAsync();

        var problem = await (await tenant.Admin.PostAsync("/v1/rules", RuleRequests.Json(Signal(JsonNode.Parse(trigger)!.AsObject()))))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe([field], problem.GetRawText());
        problem.FieldErrors(field).ShouldHaveSingleItem().ShouldContain(message);
    }

    [Fact]
    public async Task A_signal_rule_reads_back_with_its_defaults_and_payment_failed_takes_no_amount()
    {
        var tenant = await app.CreateTenantAsync();

        var rule = await tenant.CreateAsync(Signal(Decline));
        rule.GetProperty("trigger").GetProperty("rearmAbove").GetDouble().ShouldBe(0.8);
        rule.GetProperty("trigger").GetProperty("activities").EnumerateArray().Select(a => a.GetString()).ShouldBe(["login", "custom:report_viewed"]);
        var problem = await (await tenant.Ingest.PostAsync("/v1/customers/c1/activities", RuleRequests.Json(new JsonObject
        {
            ["type"] = "payment_failed", ["amount"] = 100, ["currency"] = "eur",
        }))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        problem.FieldErrors("amount").ShouldNotBeEmpty();
    }
}
