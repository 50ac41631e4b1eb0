using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Features.Reports;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Tests.Features.Reports;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Engine;

/// <summary>
/// One tenant's poisoned report group (money that cannot be summed, as stored before amounts were bounded) is parked with its
/// reason, while another tenant's report refresh, reward expiry and lapse sweep run in the same passes; a restart changes nothing.
/// </summary>
public sealed class EnginePoisonTests
{
    private const long NearMax = 5_000_000_000_000_000_000;

    [Fact]
    public async Task An_overflowing_report_group_is_parked_and_every_other_tenants_engine_work_goes_on_across_a_restart()
    {
        var first = new WinBackApp();
        await first.InitializeAsync();
        var t0 = first.Clock.GetUtcNow();

        // A: two customers lapse under one rule on the same day, and each comes back with a purchase.
        var a = await first.CreateTenantAsync(name: "poisoned");
        var rule = RuleRequests.Simple();
        rule["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 30 };
        await a.CreateActiveAsync(rule);
        await a.ActivityAsync("a1", "purchase", amount: 1000);
        await a.ActivityAsync("a2", "purchase", amount: 1000);
        await a.AdvanceAsync(t0.AddDays(31));
        await a.ActivityAsync("a1", "purchase", amount: 1000);
        await a.ActivityAsync("a2", "purchase", amount: 1000);
        await first.ReportsCaughtUpAsync();
        // Input refuses such amounts now; these stand for values stored before the bound, each fine alone, together past bigint.
        await Db.ExecuteAsync(first.ConnectionString, $"update winback.lapse_episode_revenue set amount = {NearMax} where tenant_id = @tenant", a.Id);
        await Db.ExecuteAsync(first.ConnectionString, """
            insert into winback.report_dirty (tenant_id, rule_id, variant, lapse_date, churn_reason, shard)
            select distinct tenant_id, rule_id, variant, lapse_date, churn_reason, 0 from winback.lapse_episode where tenant_id = @tenant
            on conflict do nothing
            """, a.Id);

        // B, live: a reward about to expire, and two customers about to lapse under a one-day rule.
        var b = await first.CreateTenantAsync(mode: "live", name: "bystander");
        var oneDay = RuleRequests.Simple();
        oneDay["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 1 };
        await b.CreateActiveAsync(oneDay);
        await b.ActivityAsync("b1", "login");
        var expiring = await b.IssueCreditAsync("b2", 500, expiresInDays: 1);

        // The next passes: report refresh, expiry and sweep; then another refresh for B's new episodes.
        first.Clock.Advance(TimeSpan.FromDays(2));
        var health = first.Services.GetRequiredService<BackgroundHealth>();
        var parked = await Eventually.ReadAsync(async () => (await health.FailingAsync(ReportRollups.Loop, CancellationToken.None, a.Id)).All.ToList(),
            units => units.Any(u => u.Parked), "A's group parked by the worker");
        parked.Single().Reason.ShouldContain("sums to 10000000000000000000");
        (await Eventually.ReadAsync(() => b.RewardStatusAsync(expiring), s => s == "expired", "B's reward expired in the same pass")).ShouldBe("expired");
        (await Eventually.ReadAsync(async () => (await b.CustomerAsync("b1")).GetProperty("status").GetString(), s => s == "lapsed",
            "B's customer lapsed in the same pass")).ShouldBe("lapsed");
        await first.ReportsCaughtUpAsync();
        first.Clock.Advance(TimeSpan.FromSeconds(11));
        await Eventually.ReadAsync(() => Db.ScalarAsync(first.ConnectionString, "select count(*) from winback.report_dirty where tenant_id = @tenant", b.Id),
            n => n == 0, "B's report groups refreshed by the worker");

        await ReportsAreAsAfterThePoisonAsync(a, b);
        (await health.ParkedCountsAsync(CancellationToken.None))[ReportRollups.Loop].ShouldBe(1);
        await first.DisposeAsync();

        // A restart of the app on the same database: both states are as they were.
        await using var second = new SecondProcess(first.ConnectionString);
        await second.InitializeAsync();
        var (a2, b2) = (a.On(second), b.On(second));
        await ReportsAreAsAfterThePoisonAsync(a2, b2);
        (await b2.RewardStatusAsync(expiring)).ShouldBe("expired");
        (await second.Services.GetRequiredService<BackgroundHealth>().ParkedCountsAsync(CancellationToken.None))[ReportRollups.Loop].ShouldBe(1);
    }

    [Fact]
    public async Task A_sweep_job_that_keeps_failing_is_retried_then_given_up_with_its_reason_while_other_tenants_sweeps_run()
    {
        var first = new WinBackApp();
        await first.InitializeAsync();
        var t0 = first.Clock.GetUtcNow();
        var a = await first.CreateTenantAsync(name: "poisoned");
        await a.CreateActiveAsync(RuleRequests.Simple());
        // A stored rule this version cannot read: every sweep of A fails as a whole.
        await Db.ExecuteAsync(first.ConnectionString,
            "update winback.mt_doc_rulesummary set data = jsonb_set(data, '{state,definition,trigger,type}', '\"bogus\"') where tenant_id = @tenant", a.Id);
        // B's customer went quiet before B had a rule: only the sweep job below lapses it.
        var b = await first.CreateTenantAsync(name: "bystander");
        await b.ActivityAsync("q1", "login");
        await b.AdvanceAsync(t0.AddDays(31));
        var rule = RuleRequests.Simple();
        rule["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 30 };
        await b.CreateActiveAsync(rule);

        // A's sweeps are queued first, and A keeps asking; B's sweep still runs in the first pass that sees it.
        var poisoned = await QueueSweepAsync(a);
        await QueueSweepAsync(a);
        var fine = await b.WaitForSweepAsync(await QueueSweepAsync(b));
        fine.GetProperty("lapsed").GetInt32().ShouldBe(1);
        (await b.CustomerAsync("q1")).GetProperty("status").GetString().ShouldBe("lapsed");

        var failed = await Eventually.ReadAsync(() => SweepAsync(a, poisoned), j => j.GetProperty("status").GetString() == "failed",
            "A's sweep given up");
        failed.GetProperty("failure").GetString()!.ShouldStartWith("The sweep failed 5 times and was given up:");
        await first.DisposeAsync();

        await using var second = new SecondProcess(first.ConnectionString);
        await second.InitializeAsync();
        (await SweepAsync(a.On(second), poisoned)).GetProperty("failure").GetString().ShouldBe(failed.GetProperty("failure").GetString());
        (await SweepAsync(b.On(second), fine.GetProperty("id").GetString()!)).GetProperty("status").GetString().ShouldBe("succeeded");
    }

    private static async Task<string> QueueSweepAsync(TestTenant tenant) =>
        (await EngineRequests.ReadAsync(await tenant.Admin.PostAsync("/v1/sweeps", null), 202)).GetProperty("id").GetString()!;

    private static async Task<System.Text.Json.JsonElement> SweepAsync(TestTenant tenant, string id) =>
        await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/sweeps/{id}"), 200);

    private static async Task ReportsAreAsAfterThePoisonAsync(TestTenant a, TestTenant b)
    {
        var poisoned = await EngineRequests.ReadAsync(await a.Admin.GetAsync("/v1/reports/reactivation"), 200);
        poisoned.GetProperty("rows").GetArrayLength().ShouldBe(0);
        var group = poisoned.GetProperty("parked").EnumerateArray().Single();
        group.GetProperty("reason").GetString()!.ShouldContain("revenue after return");
        group.GetProperty("churnReason").GetString().ShouldBe("none");
        (await EngineRequests.ReadAsync(await a.Admin.GetAsync("/v1/reports/overview"), 200)).GetProperty("parked").GetArrayLength().ShouldBe(1);

        var fine = await EngineRequests.ReadAsync(await b.Admin.GetAsync("/v1/reports/reactivation"), 200);
        fine.GetProperty("rows").EnumerateArray().Single().GetProperty("lapsed").GetInt64().ShouldBe(2);
        fine.GetProperty("parked").GetArrayLength().ShouldBe(0);
    }
}
