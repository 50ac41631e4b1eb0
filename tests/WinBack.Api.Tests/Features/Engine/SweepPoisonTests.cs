using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Features.Engine;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Engine;

/// <summary>
/// A customer the sweep cannot decide (a stored lifetime value that cannot be summed) fails alone, with its reason in the
/// test clock's 409; after five failures in a row it is parked and the clock moves on without it.
/// Other customers, and other tenants, are decided meanwhile; a restart keeps it parked.
/// </summary>
public sealed class SweepPoisonTests
{
    [Fact]
    public async Task An_undecidable_customer_is_reported_then_parked_and_the_clock_and_other_customers_move_on_across_a_restart()
    {
        var first = new WinBackApp();
        await first.InitializeAsync();
        var t0 = first.Clock.GetUtcNow();
        var rule = RuleRequests.Simple();
        rule["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 30 };
        rule["eligibility"] = new JsonObject { ["minLifetimeValue"] = new JsonObject { ["amount"] = 1, ["currency"] = "eur" } };

        var a = await first.CreateTenantAsync(name: "poisoned");
        await a.CreateActiveAsync(rule);
        await a.ActivityAsync("p1", "purchase", amount: 100);
        await a.ActivityAsync("p2", "purchase", amount: 100);
        // As stored before amounts were bounded: imported and recorded value that cannot be added up.
        await Db.ExecuteAsync(first.ConnectionString, """
            update winback.customer_summary set data = jsonb_set(jsonb_set(data::jsonb, '{state,recordedLifetimeValue,eur}', '9223372036854775800'),
              '{state,imported}', '{"importId": "imp_old", "orderCount": 1, "lifetimeValue": {"amount": 100, "currency": "eur"}}')::text
            where tenant_id = @tenant and id = 'p1'
            """, a.Id);
        var b = await first.CreateTenantAsync(name: "bystander");
        await b.CreateActiveAsync(rule);
        await b.ActivityAsync("q1", "purchase", amount: 100);

        // Failure 1: the clock stops at the last tick that ran, saying who and why; p2 was decided all the same.
        var blocked = await (await AdvanceAsync(a, t0.AddDays(31))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "test_clock_blocked");
        blocked.GetProperty("detail").GetString()!.ShouldContain("p1: A sum of amounts");
        (await a.ReadClockAsync()).ShouldBeLessThan(t0.AddDays(31));
        (await a.CustomerAsync("p2")).GetProperty("status").GetString().ShouldBe("lapsed");
        // B's clock and customers are untouched by any of it.
        (await b.AdvanceAsync(t0.AddDays(31))).ShouldBe(t0.AddDays(31));
        (await b.CustomerAsync("q1")).GetProperty("status").GetString().ShouldBe("lapsed");

        // Failures 2 to 5; the fifth parks p1, and the next advance runs without it.
        for (var i = 2; i <= 5; i++)
            await (await AdvanceAsync(a, t0.AddDays(31))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "test_clock_blocked");
        (await a.AdvanceAsync(t0.AddDays(31))).ShouldBe(t0.AddDays(31));
        var parked = (await first.Services.GetRequiredService<BackgroundHealth>().FailingAsync(LapseSweep.CustomerLoop, CancellationToken.None, a.Id)).All.Single();
        (parked.UnitId, parked.Failures, parked.Parked).ShouldBe(("p1", 5, true));
        await first.DisposeAsync();

        await using var second = new SecondProcess(first.ConnectionString);
        await second.InitializeAsync();
        (await a.On(second).AdvanceAsync(t0.AddDays(40))).ShouldBe(t0.AddDays(40));
        (await b.On(second).AdvanceAsync(t0.AddDays(40))).ShouldBe(t0.AddDays(40));
        (await second.Services.GetRequiredService<BackgroundHealth>().ParkedCountsAsync(CancellationToken.None))[LapseSweep.CustomerLoop].ShouldBe(1);
    }

    private static Task<HttpResponseMessage> AdvanceAsync(TestTenant tenant, DateTimeOffset to) =>
        tenant.Admin.PostAsync("/v1/test-clock/advance", RuleRequests.Json(new JsonObject { ["to"] = to.ToString("O") }));
}
