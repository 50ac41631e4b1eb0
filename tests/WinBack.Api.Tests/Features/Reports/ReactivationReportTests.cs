using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Reports;

namespace WinBack.Api.Tests.Features.Reports;

/// <summary>
/// A known scenario on a test clock: 40 customers, two arms and a holdout, four ways of behaving after the lapse. The
/// expected report is worked out here from each customer's plan, and every number of the report is checked.
/// </summary>
public sealed class ReactivationReportTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");
    private static DateTimeOffset Day(int day) => T0.AddDays(day);
    private const int End = 120;

    /// <summary>What a customer does after lapsing on day 30 (activities on day N at 09:00, amounts in eur cents).</summary>
    private sealed record Plan(int? ReturnDay, string ReturnType, long ReturnAmount, (int Day, string Type, long Amount)[] Later,
        int? RedeemDay, long? Redeem, int? RelapseDay)
    {
        public long Revenue => (ReturnType == "purchase" ? ReturnAmount : 0) +
                               Later.Where(a => a.Day <= ReturnDay + 60).Sum(a => a.Type == "refund" ? -a.Amount : a.Amount);
        public int Orders => (ReturnType == "purchase" ? 1 : 0) + Later.Count(a => a.Type == "purchase" && a.Day <= ReturnDay + 60);
    }

    private static readonly Plan[] Plans =
    [
        // Never comes back: the reward expires unused on day 44.
        new(null, "", 0, [], null, null, null),
        // Back on day 33 with a purchase, uses 500 of the credit, buys and refunds, then goes quiet: lapses again on day 85.
        new(33, "purchase", 3000, [(50, "purchase", 1500), (55, "refund", 700)], 34, 500, 85),
        // Back on day 40 by a login, then buys three times; still active at the end.
        new(40, "login", 0, [(45, "purchase", 2000), (70, "purchase", 800), (95, "purchase", 600)], null, null, null),
        // Back on day 36 with a purchase, uses all the credit, buys and refunds, lapses again on day 92.
        new(36, "purchase", 1000, [(60, "purchase", 400), (62, "refund", 400)], 37, -1, 92),
    ];

    private static JsonObject Rule() => JsonNode.Parse("""
        {
          "name": "30 days quiet, A/B", "priority": 10, "attributionDays": 60,
          "trigger": { "type": "inactivity", "days": 30 },
          "reward": { "type": "account_credit", "amount": 1000, "currency": "eur", "expiresInDays": 14 },
          "experiment": { "holdoutPercent": 34, "variants": [
            { "name": "A", "weight": 50 },
            { "name": "B", "weight": 50, "reward": { "type": "account_credit", "amount": 2000, "currency": "eur", "expiresInDays": 14 } } ] }
        }
        """)!.AsObject();

    /// <summary>The scenario, played to day 120; returns each customer's plan and arm.</summary>
    private async Task<(TestTenant Tenant, string RuleId, List<(string Id, Plan Plan)> Customers, Dictionary<string, string> Variants)> PlayAsync()
    {
        var tenant = await app.CreateTenantAsync();
        var ruleId = await tenant.CreateActiveAsync(Rule());
        var customers = Enumerable.Range(0, 40).Select(i => (Id: $"c{i:D2}", Plan: Plans[i % Plans.Length])).ToList();
        await Task.WhenAll(customers.Select(c => tenant.ActivityAsync(c.Id, "purchase", amount: 1000)));

        // Play the plans day by day; each advance runs the sweeps and expiries in between.
        await tenant.AdvanceAsync(Day(30));
        var variants = new Dictionary<string, string>();
        foreach (var (id, _) in customers)
            variants[id] = (await tenant.EventsAsync(id, "customer_lapsed")).Single().GetProperty("variant").GetString()!;
        var actions = customers.SelectMany(c => Actions(c.Id, c.Plan, variants[c.Id] != "holdout")).GroupBy(a => a.Day).OrderBy(g => g.Key);
        foreach (var day in actions)
        {
            await tenant.AdvanceAsync(Day(day.Key));
            foreach (var action in day)
                await action.Run(tenant);
        }
        await tenant.AdvanceAsync(Day(End));
        await app.ReportsCaughtUpAsync();
        return (tenant, ruleId, customers, variants);
    }

    [Fact]
    public async Task Every_number_of_the_report_follows_from_what_each_customer_did()
    {
        var (tenant, ruleId, customers, variants) = await PlayAsync();
        var report = await ReportAsync(tenant, $"?ruleId={ruleId}&groupBy=variant");
        report.GetProperty("asOf").GetDateTimeOffset().ShouldBe(Day(End));
        report.GetProperty("groupBy").GetString().ShouldBe("variant");
        var rows = report.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("variant").GetString()!);
        rows.Keys.Order().ShouldBe(variants.Values.Distinct().Order());
        var holdout = Expected(customers.Where(c => variants[c.Id] == "holdout").Select(c => c.Plan), credit: 0, treated: false);
        foreach (var (name, row) in rows)
        {
            var credit = name == "B" ? 2000 : 1000;
            var expected = Expected(customers.Where(c => variants[c.Id] == name).Select(c => c.Plan), credit, treated: name != "holdout");
            ShouldMatch(row, expected, name == "holdout" ? null : holdout);
        }

        // One row for the rule: both arms against the holdout.
        var byRule = (await ReportAsync(tenant, "?groupBy=rule")).GetProperty("rows").EnumerateArray().Single();
        byRule.GetProperty("ruleId").GetString().ShouldBe(ruleId);
        var all = customers.Select(c => (c.Plan, Credit: variants[c.Id] switch { "A" => 1000L, "B" => 2000L, _ => 0L }, Treated: variants[c.Id] != "holdout"));
        ShouldMatch(byRule, Combine(all.Select(x => Expected([x.Plan], x.Credit, x.Treated))), holdout);

        // By lapse month: the first lapses on 2026-12-24, the relapses on 2027-02-17 (day 85) and 2027-02-24 (day 92).
        var months = (await ReportAsync(tenant, "?groupBy=lapseMonth")).GetProperty("rows").EnumerateArray()
            .Select(r => (r.GetProperty("lapseMonth").GetString(), r.GetProperty("lapsed").GetInt64())).ToList();
        months.ShouldBe([("2026-12", 40L), ("2027-02", 20L)]);
        (await ReportAsync(tenant, "?groupBy=churnReason")).GetProperty("rows").EnumerateArray().Single().GetProperty("churnReason")
            .GetString().ShouldBe("none");
        // The lapse day filter, both ends included: the relapses only, then the first lapses only, then nothing.
        (await ReportAsync(tenant, "?from=2026-12-25")).GetProperty("rows").EnumerateArray().Single().GetProperty("lapsed").GetInt64().ShouldBe(20);
        (await ReportAsync(tenant, "?from=2026-12-24&to=2026-12-24")).GetProperty("rows")[0].GetProperty("lapsed").GetInt64().ShouldBe(40);
        (await ReportAsync(tenant, "?to=2026-12-23")).GetProperty("rows").GetArrayLength().ShouldBe(0);

        // The same report as CSV.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/reports/reactivation?ruleId={ruleId}&groupBy=variant");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var csv = await tenant.Admin.SendAsync(request);
        csv.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldStartWith("variant,lapsed,treated,holdout,rewarded,");
        lines[0].ShouldContain("revenueAfterReturn_eur");
        lines.Length.ShouldBe(rows.Count + 1);
        var header = lines[0].Split(',');
        var aLine = lines.Single(l => l.StartsWith("A,")).Split(',');
        aLine[Array.IndexOf(header, "revenueAfterReturn_eur")].ShouldBe(
            rows["A"].GetProperty("revenueAfterReturn")[0].GetProperty("amount").GetInt64().ToString());
    }

    [Fact]
    public async Task The_overview_totals_the_program_and_charts_it_by_day()
    {
        var (tenant, ruleId, customers, variants) = await PlayAsync();

        var overview = await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/reports/overview?from=2026-11-24&to=2027-03-24"), 200);
        overview.GetProperty("asOf").GetDateTimeOffset().ShouldBe(Day(End));
        // The totals are the one-rule program's row, without its name.
        var byRule = (await ReportAsync(tenant, "?groupBy=rule")).GetProperty("rows")[0];
        var totals = JsonNode.Parse(overview.GetProperty("totals").GetRawText())!.AsObject();
        var expected = JsonNode.Parse(byRule.GetRawText())!.AsObject();
        expected.Remove("ruleId");
        totals.ToJsonString().ShouldBe(expected.ToJsonString());

        var daily = overview.GetProperty("daily").EnumerateArray().ToList();
        daily.Count.ShouldBe(End + 1); // both ends included
        daily[0].GetProperty("date").GetString().ShouldBe("2026-11-24");
        long Treated(Func<Plan, bool> which) => customers.Count(c => which(c.Plan) && variants[c.Id] != "holdout");
        foreach (var day in daily)
        {
            var n = DateOnly.Parse(day.GetProperty("date").GetString()!).DayNumber - DateOnly.FromDateTime(T0.UtcDateTime).DayNumber;
            var lapsedThatDay = customers.Count(c => n == 30 || c.Plan.RelapseDay == n);
            day.GetProperty("lapsed").GetInt64().ShouldBe(lapsedThatDay, $"day {n}");
            day.GetProperty("rewarded").GetInt64().ShouldBe(Treated(p => n == 30 || p.RelapseDay == n), $"day {n}");
            var back = customers.Where(c => c.Plan.ReturnDay == n).ToList();
            day.GetProperty("reactivated").GetInt64().ShouldBe(back.Count, $"day {n}");
            var revenue = day.GetProperty("revenueAfterReturn").EnumerateArray().Select(m => m.GetProperty("amount").GetInt64()).SingleOrDefault();
            revenue.ShouldBe(back.Sum(c => c.Plan.Revenue), $"day {n}");
        }
    }

    [Fact]
    public async Task The_report_checks_its_input_and_belongs_to_admins()
    {
        var tenant = await app.CreateTenantAsync();
        await (await tenant.Admin.GetAsync("/v1/reports/reactivation?groupBy=month"))
            .ShouldBeProblemAsync(System.Net.HttpStatusCode.BadRequest, "validation_failed");
        (await tenant.Ingest.GetAsync("/v1/reports/reactivation")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
        var empty = await ReportAsync(tenant, "");
        empty.GetProperty("rows").GetArrayLength().ShouldBe(0);
        empty.GetProperty("groupBy").GetString().ShouldBe("rule");
    }

    private sealed record Act(int Day, Func<TestTenant, Task> Run);

    private static IEnumerable<Act> Actions(string id, Plan plan, bool treated)
    {
        if (plan.ReturnDay is not { } back)
            yield break;
        yield return new Act(back, t => t.ActivityAsync(id, plan.ReturnType, amount: plan.ReturnType == "purchase" ? plan.ReturnAmount : null));
        foreach (var (day, type, amount) in plan.Later)
            yield return new Act(day, t => t.ActivityAsync(id, type, amount: amount));
        if (treated && plan.RedeemDay is { } redeemDay)
            yield return new Act(redeemDay, async t =>
            {
                var reward = (await t.RewardsAsync(id)).Single();
                var amount = plan.Redeem == -1 ? reward.GetProperty("remaining").GetInt64() : plan.Redeem!.Value;
                await t.RedeemAsync(reward.GetProperty("id").GetString()!, $"order-{id}", amount);
            });
    }

    /// <summary>The figures a group of customers should have, from their plans alone.</summary>
    private sealed record Figures(long Lapsed, long Treated, long TreatedReturned, long Held, long HeldReturned, long Rewarded, long Reactivated,
        List<double> DaysToReturn, long Revenue, long TreatedRevenue, long HeldRevenue, long Issued, long Redeemed, long Expired,
        long Known30, long Retained30, long Known60, long Retained60);

    private static Figures Expected(IEnumerable<Plan> plans, long credit, bool treated)
    {
        var f = new Figures(0, 0, 0, 0, 0, 0, 0, [], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        foreach (var plan in plans)
        {
            var episodes = plan.RelapseDay is null ? 1 : 2; // a relapse never returns before the end
            var returned = plan.ReturnDay is { } back ? 1 : 0;
            var redeemed = treated ? plan.Redeem switch { null => 0, -1 => credit, var r => r.Value } : 0;
            var revenue = returned == 1 ? plan.Revenue : 0;
            // Retained n days: returned at least n days before the end, and no relapse within n days of the return.
            long Known(int n) => plan.ReturnDay is { } b && b + n <= End ? 1 : 0;
            long Kept(int n) => Known(n) == 1 && (plan.RelapseDay is not { } r || r > plan.ReturnDay + n) ? 1 : 0;
            f = f with
            {
                Lapsed = f.Lapsed + episodes,
                Treated = f.Treated + (treated ? episodes : 0), TreatedReturned = f.TreatedReturned + (treated ? returned : 0),
                Held = f.Held + (treated ? 0 : episodes), HeldReturned = f.HeldReturned + (treated ? 0 : returned),
                Rewarded = f.Rewarded + (treated ? episodes : 0), Reactivated = f.Reactivated + returned,
                DaysToReturn = plan.ReturnDay is { } d ? [.. f.DaysToReturn, d - 30] : f.DaysToReturn,
                Revenue = f.Revenue + revenue, TreatedRevenue = f.TreatedRevenue + (treated ? revenue : 0),
                HeldRevenue = f.HeldRevenue + (treated ? 0 : revenue),
                // Every reward has expired or been used up by day 120.
                Issued = f.Issued + (treated ? credit * episodes : 0), Redeemed = f.Redeemed + redeemed,
                Expired = f.Expired + (treated ? credit * episodes - redeemed : 0),
                Known30 = f.Known30 + Known(30), Retained30 = f.Retained30 + Kept(30),
                Known60 = f.Known60 + Known(60), Retained60 = f.Retained60 + Kept(60),
            };
        }
        return f;
    }

    private static Figures Combine(IEnumerable<Figures> parts) => parts.Aggregate((a, b) => new Figures(
        a.Lapsed + b.Lapsed, a.Treated + b.Treated, a.TreatedReturned + b.TreatedReturned, a.Held + b.Held, a.HeldReturned + b.HeldReturned,
        a.Rewarded + b.Rewarded, a.Reactivated + b.Reactivated, [.. a.DaysToReturn, .. b.DaysToReturn], a.Revenue + b.Revenue,
        a.TreatedRevenue + b.TreatedRevenue, a.HeldRevenue + b.HeldRevenue, a.Issued + b.Issued, a.Redeemed + b.Redeemed,
        a.Expired + b.Expired, a.Known30 + b.Known30, a.Retained30 + b.Retained30, a.Known60 + b.Known60, a.Retained60 + b.Retained60));

    private static void ShouldMatch(JsonElement row, Figures e, Figures? holdoutOfVariants)
    {
        // With groupBy=variant the arms compare with the holdout row; otherwise a row holds its own holdout.
        var (held, heldReturned, heldRevenue) = holdoutOfVariants is { } h && e.Held == 0 ? (h.Held, h.HeldReturned, h.HeldRevenue) : (e.Held, e.HeldReturned, e.HeldRevenue);
        row.GetProperty("lapsed").GetInt64().ShouldBe(e.Lapsed);
        row.GetProperty("treated").GetInt64().ShouldBe(e.Treated);
        row.GetProperty("holdout").GetInt64().ShouldBe(e.Held);
        row.GetProperty("rewarded").GetInt64().ShouldBe(e.Rewarded);
        var withheld = row.GetProperty("withheld");
        withheld.GetProperty("holdout").GetInt64().ShouldBe(e.Held);
        foreach (var reason in new[] { "budget", "cooldown", "perCustomerCap", "ineligible" })
            withheld.GetProperty(reason).GetInt64().ShouldBe(0);
        row.GetProperty("reactivated").GetInt64().ShouldBe(e.Reactivated);
        Nullable(row, "reactivationRate").ShouldBe(e.Treated == 0 ? null : (double)e.TreatedReturned / e.Treated);
        Nullable(row, "holdoutRate").ShouldBe(held == 0 ? null : (double)heldReturned / held);

        // The interval's arithmetic is checked against hand-worked values in the domain tests.
        var uplift = Uplift.Of(e.TreatedReturned, e.Treated, heldReturned, held);
        if (uplift is null)
            row.GetProperty("uplift").ValueKind.ShouldBe(JsonValueKind.Null);
        else
        {
            row.GetProperty("uplift").GetProperty("value").GetDouble().ShouldBe(uplift.Value, 1e-12);
            row.GetProperty("uplift").GetProperty("ciLow").GetDouble().ShouldBe(uplift.CiLow, 1e-12);
            row.GetProperty("uplift").GetProperty("ciHigh").GetDouble().ShouldBe(uplift.CiHigh, 1e-12);
        }
        Nullable(row, "medianDaysToReturn").ShouldBe(Median(e.DaysToReturn));

        Eur(row, "revenueAfterReturn").ShouldBe(e.Revenue == 0 ? null : e.Revenue);
        Eur(row, "revenuePerLapsedCustomer").ShouldBe(e.Revenue == 0 ? null : (long)Math.Round((double)e.Revenue / e.Lapsed, MidpointRounding.AwayFromZero));
        var cost = row.GetProperty("rewardCost");
        Eur(cost, "issued").ShouldBe(e.Issued == 0 ? null : e.Issued);
        Eur(cost, "redeemed").ShouldBe(e.Redeemed == 0 ? null : e.Redeemed);
        Eur(cost, "expired").ShouldBe(e.Expired == 0 ? null : e.Expired);
        Eur(row, "outstandingLiability").ShouldBeNull();
        long? incremental = e.Treated == 0 || held == 0 || e.Revenue == 0 && e.Issued == 0
            ? null
            : (long)Math.Round(e.TreatedRevenue - (double)heldRevenue * e.Treated / held, MidpointRounding.AwayFromZero);
        Eur(row, "incrementalRevenue").ShouldBe(incremental);
        var roi = row.GetProperty("roi").EnumerateArray().ToList();
        if (e.Redeemed == 0)
            roi.ShouldBeEmpty();
        else
            roi.Single().GetProperty("value").GetDouble().ShouldBe((incremental!.Value - e.Redeemed) / (double)e.Redeemed, 1e-12);
        Retention(row, "retained30").ShouldBe((e.Known30, e.Retained30));
        Retention(row, "retained60").ShouldBe((e.Known60, e.Retained60));
        Retention(row, "retained90").ShouldBe((0L, 0L));
    }

    private static double? Nullable(JsonElement row, string name) =>
        row.GetProperty(name).ValueKind == JsonValueKind.Null ? null : row.GetProperty(name).GetDouble();

    private static long? Eur(JsonElement holder, string name) =>
        holder.GetProperty(name).EnumerateArray().Where(m => m.GetProperty("currency").GetString() == "eur")
            .Select(m => (long?)m.GetProperty("amount").GetInt64()).SingleOrDefault();

    private static (long, long) Retention(JsonElement row, string name) =>
        (row.GetProperty(name).GetProperty("known").GetInt64(), row.GetProperty(name).GetProperty("retained").GetInt64());

    // PostgreSQL's percentile_cont(0.5): the middle value, or the mean of the two middle ones.
    private static double? Median(List<double> values)
    {
        if (values.Count == 0)
            return null;
        var sorted = values.Order().ToList();
        var middle = (sorted.Count - 1) / 2.0;
        return (sorted[(int)Math.Floor(middle)] + sorted[(int)Math.Ceiling(middle)]) / 2;
    }

    private static async Task<JsonElement> ReportAsync(TestTenant tenant, string query) =>
        await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/reports/reactivation{query}"), 200);
}
