using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Features.Rules;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Reports;
using WinBack.Api.Tests.Infrastructure;
using static WinBack.Api.Tests.Features.Rules.RuleRequests;

namespace WinBack.Api.Tests.Features.Rules;

/// <summary>POST /v1/rules/backtest: the replay of a past period equals what the live engine did, and its input is checked.</summary>
public sealed class BacktestTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    // 10 days without activity, 10.00 EUR, 25.00 EUR a day: two rewards a day at most.
    private static JsonObject TenDayRule()
    {
        var rule = Simple(name: "ten days");
        rule["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 10 };
        rule["limits"] = new JsonObject { ["dailyBudget"] = new JsonObject { ["amount"] = 2500, ["currency"] = "eur" } };
        return rule;
    }

    [Fact]
    public async Task The_backtest_of_an_inactivity_rule_over_a_past_period_gives_what_the_live_engine_gave_each_day()
    {
        var tenant = await app.CreateTenantAsync();
        var ruleId = await tenant.CreateActiveAsync(TenDayRule());
        var customers = Enumerable.Range(1, 7).Select(i => $"c{i}").ToArray();
        // c1-c5 cross on 4 Dec (the budget rewards two), c6-c7 on 7 Dec; the one of c1-c5 who comes back on 6 Dec crosses again on 16 Dec.
        foreach (var id in customers[..5])
            await tenant.ActivityAsync(id, "login");
        await tenant.AdvanceAsync(T0.AddDays(3));
        foreach (var id in customers[5..])
            await tenant.ActivityAsync(id, "login");
        await tenant.AdvanceAsync(T0.AddDays(12));
        await tenant.ActivityAsync("c1", "purchase", amount: 3000);
        await tenant.AdvanceAsync(T0.AddDays(30));

        var live = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in customers)
            foreach (var reward in await tenant.RewardsAsync(id))
            {
                var day = reward.GetProperty("issuedAt").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd");
                live[day] = live.GetValueOrDefault(day) + 1;
            }
        live.ShouldBe(new SortedDictionary<string, int> { ["2026-12-04"] = 2, ["2026-12-07"] = 2, ["2026-12-16"] = 1 }); // the scenario ran as meant

        var result = await BacktestAsync(tenant, new JsonObject { ["ruleId"] = ruleId, ["from"] = T0.ToString("O"), ["to"] = T0.AddDays(30).ToString("O") });

        result.GetProperty("observational").GetBoolean().ShouldBeTrue();
        result.GetProperty("caveat").GetString()!.ShouldContain("not causal");
        var backtested = result.GetProperty("days").EnumerateArray().Where(d => d.GetProperty("rewarded").GetInt32() > 0)
            .ToDictionary(d => d.GetProperty("period").GetString()!, d => d.GetProperty("rewarded").GetInt32());
        backtested.ShouldBe(live);
        result.GetProperty("withheld").GetProperty("budget").GetInt32().ShouldBe(3);
        result.GetProperty("cost").GetProperty("eur").GetInt64().ShouldBe(5000);
        // The customer who came back within the attribution window is among those reached, with the 30.00 EUR purchase.
        result.GetProperty("customers").EnumerateArray().Where(c => c.GetProperty("returned").GetBoolean())
            .Sum(c => c.GetProperty("revenue").GetProperty("eur").GetInt64()).ShouldBe(3000);

        // The backtest wrote nothing: every customer has the rewards the live engine gave, no more.
        var after = 0;
        foreach (var id in customers)
            after += (await tenant.RewardsAsync(id)).Length;
        after.ShouldBe(5);
    }

    [Fact]
    public async Task An_inline_definition_is_backtested_too_and_another_tenant_does_not_see_the_job()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.ActivityAsync("c1", "login");
        await tenant.AdvanceAsync(T0.AddDays(20));

        var response = await tenant.Admin.PostAsync("/v1/rules/backtest",
            Json(new JsonObject { ["rule"] = TenDayRule(), ["from"] = "2026-11-01", ["to"] = "2026-12-14" }));
        var queued = await EngineRequests.ReadAsync(response, 202);
        var id = queued.GetProperty("id").GetString()!;
        response.Headers.Location!.ToString().ShouldBe($"/v1/rules/backtests/{id}");
        var done = await WaitAsync(tenant, id);
        done.GetProperty("ruleId").ValueKind.ShouldBe(JsonValueKind.Null);
        done.GetProperty("result").GetProperty("rewarded").GetInt32().ShouldBe(1);

        var other = await app.CreateTenantAsync();
        await (await other.Admin.GetAsync($"/v1/rules/backtests/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        (await tenant.Ingest.PostAsync("/v1/rules/backtest", Json(new JsonObject()))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_backtest_the_fold_refuses_is_tried_again_then_given_up_with_its_reason_while_another_tenants_backtest_runs()
    {
        var poisoned = await app.CreateTenantAsync(name: "poisoned");
        await poisoned.ActivityAsync("c1", "purchase", amount: 1000);
        // Two purchases whose lifetime value only sums past the 64-bit range, as stored before amounts were bounded: every replay fails on them.
        await ReportPoisonTests.PlantPurchaseAsync(app, poisoned.Id, "c1", T0.AddDays(1));
        await ReportPoisonTests.PlantPurchaseAsync(app, poisoned.Id, "c1", T0.AddDays(2));
        var healthy = await app.CreateTenantAsync(name: "healthy");
        await healthy.ActivityAsync("c1", "login");
        JsonObject Period() => new() { ["rule"] = TenDayRule(), ["from"] = T0.AddDays(-1).ToString("O"), ["to"] = T0.AddDays(30).ToString("O") };

        var given = (await EngineRequests.ReadAsync(await poisoned.Admin.PostAsync("/v1/rules/backtest", Json(Period())), 202)).GetProperty("id").GetString()!;
        (await BacktestAsync(healthy, Period())).GetProperty("rewarded").GetInt32().ShouldBe(1);

        var failed = await Eventually.ReadAsync(async () => await EngineRequests.ReadAsync(await poisoned.Admin.GetAsync($"/v1/rules/backtests/{given}"), 200),
            job => job.GetProperty("status").GetString() == "failed", "the poisoned backtest given up", TimeSpan.FromSeconds(90));
        failed.GetProperty("failure").GetString()!.ShouldStartWith("The backtest could not run 5 times and was given up: A sum of amounts");
        failed.GetProperty("result").ValueKind.ShouldBe(JsonValueKind.Null);
        failed.GetProperty("completedAt").ValueKind.ShouldBe(JsonValueKind.String);
    }

    [Fact]
    public void The_backtest_reads_each_customer_event_as_Marten_stored_it()
    {
        var serializer = app.Services.GetRequiredService<IDocumentStore>().Options.Serializer();
        ICustomerEvent[] events =
        [
            new ActivityRecorded("c1", "act_1", ActivityType.SubscriptionCancelled, T0, T0.AddSeconds(1), new Money(1500, "eur"), ChurnReason.TooExpensive,
                "custom", new Dictionary<string, string> { ["plan"] = "pro" }, "ext_1"),
            new ProfileUpdated("c1", "a@example.com", "cus_stripe", new Dictionary<string, string> { ["channel"] = "referral" }, T0, "1990-02-28"),
            new CustomerImported("c1", "imp_1", "a@example.com", null, new Dictionary<string, string> { ["segment"] = "vip" }, T0.AddYears(-2), T0.AddDays(-3),
                T0.AddDays(-3), 4, new Money(9900, "usd"), T0, "02-29"),
        ];
        foreach (var e in events)
        {
            var stored = serializer.ToJson(e);
            var read = JsonSerializer.Deserialize(Encoding.UTF8.GetBytes(stored), BacktestEventsJson.Default.GetTypeInfo(e.GetType())!);
            serializer.ToJson(read).ShouldBe(stored, e.GetType().Name);
        }
    }

    public static TheoryData<string, string> BadInput => new()
    {
        { "rule", """{"from": "2026-01-01", "to": "2026-02-01"}""" },
        { "ruleId", """{"ruleId": "rule_x", "rule": {}, "from": "2026-01-01", "to": "2026-02-01"}""" },
        { "from", """{"ruleId": "rule_x", "from": "2026-03-01", "to": "2026-02-01"}""" },
        { "to", """{"ruleId": "rule_x", "from": "2024-01-01", "to": "2026-02-01"}""" },
        { "rule.trigger.days", """{"rule": {"name": "x", "trigger": {"type": "inactivity", "days": 0}, "reward": {"type": "account_credit", "amount": 1000, "currency": "eur", "expiresInDays": 30}}, "from": "2026-01-01", "to": "2026-02-01"}""" },
        // Save offers answer cancel attempts as they come: there is nothing to replay.
        { "rule.trigger.type", """{"rule": {"name": "x", "trigger": {"type": "cancellation_intent"}, "reward": {"type": "account_credit", "amount": 1000, "currency": "eur", "expiresInDays": 30}}, "from": "2026-01-01", "to": "2026-02-01"}""" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_is_400_naming_the_field(string field, string body)
    {
        var tenant = await app.CreateTenantAsync();
        var response = await tenant.Admin.PostAsync("/v1/rules/backtest", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        problem.FieldErrors(field).ShouldNotBeEmpty();
    }

    private static async Task<JsonElement> BacktestAsync(TestTenant tenant, JsonObject body)
    {
        var queued = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync("/v1/rules/backtest", Json(body)), 202);
        return (await WaitAsync(tenant, queued.GetProperty("id").GetString()!)).GetProperty("result");
    }

    private static async Task<JsonElement> WaitAsync(TestTenant tenant, string id)
    {
        var job = await Eventually.ReadAsync(async () => await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/rules/backtests/{id}"), 200),
            job => job.GetProperty("status").GetString() is "succeeded" or "failed", $"backtest {id} to finish");
        job.GetProperty("status").GetString().ShouldBe("succeeded", job.ToString());
        return job;
    }
}
