using System.Net;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Engine;

/// <summary>Sweep jobs over the API, and the test clock's own rules.</summary>
public sealed class SweepAndClockTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    [Fact]
    public async Task A_sweep_job_reports_what_it_did_and_matches_the_customers_streams()
    {
        var tenant = await app.CreateTenantAsync();
        var ids = Enumerable.Range(0, 30).Select(i => $"c{i:D2}").ToArray();
        await Task.WhenAll(ids.Select(id => tenant.ActivityAsync(id, "login")));
        await tenant.AdvanceAsync(T0.AddDays(40));
        var rule = RuleRequests.Simple(priority: 5);
        rule["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 30 };
        rule["experiment"] = new JsonObject { ["holdoutPercent"] = 50 };
        await tenant.CreateActiveAsync(rule);

        var queued = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync("/v1/sweeps", null), 202);
        queued.GetProperty("status").GetString().ShouldBe("queued");
        queued.GetProperty("asOf").GetDateTimeOffset().ShouldBe(T0.AddDays(40));
        var id = queued.GetProperty("id").GetString()!;
        id.ShouldStartWith("swp_");
        var done = await tenant.WaitForSweepAsync(id);

        var holdout = 0;
        var rewarded = 0;
        foreach (var customer in ids)
        {
            var lapse = (await tenant.EventsAsync(customer, "customer_lapsed")).Single();
            lapse.GetProperty("lapsedAt").GetDateTimeOffset().ShouldBe(T0.AddDays(30));
            if (lapse.GetProperty("variant").GetString() == "holdout")
            {
                holdout++;
                (await tenant.EventsAsync(customer, "reward_withheld")).Single().GetProperty("reason").GetString().ShouldBe("holdout");
            }
            else
                rewarded += (await tenant.RewardsAsync(customer)).Length;
        }
        holdout.ShouldBeInRange(1, 29); // 30 hashed customers, half held out: both arms are seen
        done.GetProperty("examined").GetInt32().ShouldBe(30);
        done.GetProperty("lapsed").GetInt32().ShouldBe(30);
        done.GetProperty("rewarded").GetInt32().ShouldBe(rewarded);
        done.GetProperty("withheld").GetProperty("holdout").GetInt32().ShouldBe(holdout);
        done.GetProperty("failed").GetInt32().ShouldBe(0);

        // Nobody is left to lapse: a second sweep examines no one.
        var again = await tenant.WaitForSweepAsync((await EngineRequests.ReadAsync(await tenant.Admin.PostAsync("/v1/sweeps", null), 202))
            .GetProperty("id").GetString()!);
        again.GetProperty("examined").GetInt32().ShouldBe(0);

        // Admin only, and another tenant's sweep is not found.
        (await tenant.Ingest.PostAsync("/v1/sweeps", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var other = await app.CreateTenantAsync();
        await (await other.Admin.GetAsync($"/v1/sweeps/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
    }

    [Fact]
    public async Task The_test_clock_starts_at_the_tenants_creation_times_its_activities_and_never_goes_back()
    {
        var tenant = await app.CreateTenantAsync();
        (await tenant.ReadClockAsync()).ShouldBe(T0);

        await tenant.AdvanceAsync(T0.AddDays(3));
        (await tenant.ReadClockAsync()).ShouldBe(T0.AddDays(3));
        (await tenant.ActivityAsync("c1", "login")).GetProperty("occurredAt").GetDateTimeOffset().ShouldBe(T0.AddDays(3));
        // Past the wall clock is fine for the tenant: its own clock says so.
        (await tenant.ActivityAsync("c1", "login", at: T0.AddDays(3).AddMinutes(-1))).GetProperty("occurredAt").GetDateTimeOffset()
            .ShouldBe(T0.AddDays(3).AddMinutes(-1));
        var ahead = new JsonObject { ["type"] = "login", ["occurredAt"] = T0.AddDays(3).AddMinutes(6).ToString("O") };
        await (await tenant.Ingest.PostAsync("/v1/customers/c1/activities", RuleRequests.Json(ahead)))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        (await tenant.AdvanceAsync(T0.AddDays(3))).ShouldBe(T0.AddDays(3));
        var back = new JsonObject { ["to"] = T0.AddDays(2).ToString("O") };
        await (await tenant.Admin.PostAsync("/v1/test-clock/advance", RuleRequests.Json(back))).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "test_clock_backwards");
        await (await tenant.Admin.PostAsync("/v1/test-clock/advance", RuleRequests.Json(new JsonObject())))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        (await tenant.ReadClockAsync()).ShouldBe(T0.AddDays(3));

        var live = await app.CreateTenantAsync(mode: "live");
        await (await live.Admin.GetAsync("/v1/test-clock")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "test_mode_only");
        await (await live.Admin.PostAsync("/v1/test-clock/advance", RuleRequests.Json(back))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "test_mode_only");
    }
}
