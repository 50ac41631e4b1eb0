using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Engine;

/// <summary>A moment fired before a restart is not fired again by the process that comes after: what was reached lives in the customer's stream.</summary>
public sealed class MomentRestartTests
{
    [Fact]
    public async Task A_moment_fired_before_a_restart_does_not_fire_again_after_it_and_the_next_year_still_does()
    {
        var first = new WinBackApp();
        await first.InitializeAsync();
        var t0 = first.Clock.GetUtcNow();
        var tenant = await first.CreateTenantAsync();
        await tenant.CreateActiveAsync(new JsonObject
        {
            ["name"] = "birthday", ["trigger"] = new JsonObject { ["type"] = "birthday", ["daysBefore"] = 0 },
            ["reward"] = new JsonObject { ["type"] = "account_credit", ["amount"] = 500, ["currency"] = "eur", ["expiresInDays"] = 30 },
        });
        await EngineRequests.ReadAsync(await tenant.Ingest.PutAsync("/v1/customers/ada", RuleRequests.Json(new JsonObject { ["birthday"] = "12-01" })), 200);
        await tenant.AdvanceAsync(t0.AddDays(10));
        (await tenant.EventsAsync("ada", "moment_reached")).ShouldHaveSingleItem();
        await first.DisposeAsync();

        await using var second = new SecondProcess(first.ConnectionString);
        await second.InitializeAsync();
        var again = tenant.On(second);
        var sweep = await again.WaitForSweepAsync((await EngineRequests.ReadAsync(await again.Admin.PostAsync("/v1/sweeps", null), 202))
            .GetProperty("id").GetString()!);
        sweep.GetProperty("rewarded").GetInt32().ShouldBe(0);
        await again.AdvanceAsync(t0.AddDays(300));
        (await again.EventsAsync("ada", "moment_reached")).ShouldHaveSingleItem();
        (await again.RewardsAsync("ada")).ShouldHaveSingleItem();

        await again.AdvanceAsync(t0.AddDays(380));
        (await again.EventsAsync("ada", "moment_reached")).Select(m => m.GetProperty("key").GetString()).ShouldBe(["birthday:2026", "birthday:2027"]);
        (await again.RewardsAsync("ada")).Length.ShouldBe(2);
    }
}
