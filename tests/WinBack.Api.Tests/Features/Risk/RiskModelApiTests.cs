using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WinBack.Api.Features.Risk;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Risk;

namespace WinBack.Api.Tests.Features.Risk;

/// <summary>The purchase model through the API: backdated purchases into a test tenant, a refit, the model and its history.</summary>
public sealed class RiskModelApiTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    internal static readonly BgNbdParameters Truth = new(0.25, 30, 0.8, 2.5);

    /// <summary>Records the histories as purchases ending at the tenant's clock: the first at now − T, the last at now − T + t_x.</summary>
    internal static async Task RecordAsync(TestTenant tenant, IReadOnlyList<PurchaseHistory> histories, int seed)
    {
        var now = await tenant.ReadClockAsync();
        var random = new Random(seed);
        var items = new List<JsonObject>();
        for (var i = 0; i < histories.Count; i++)
        {
            var h = histories[i];
            var first = now.AddDays(-h.T);
            var times = new List<double> { 0 };
            if (h.X > 0)
            {
                times.AddRange(Enumerable.Range(0, h.X - 1).Select(_ => random.NextDouble() * h.Tx));
                times.Add(h.Tx);
            }
            items.AddRange(times.Select(t => new JsonObject
            {
                ["customerId"] = $"c{i:D4}", ["type"] = "purchase", ["occurredAt"] = first.AddDays(t).ToString("O"),
                ["amount"] = 2500, ["currency"] = "eur",
            }));
        }
        foreach (var batch in items.Chunk(1000))
        {
            var result = await EngineRequests.ReadAsync(await tenant.Ingest.PostAsync("/v1/activities/batch",
                RuleRequests.Json(new JsonObject { ["activities"] = new JsonArray([.. batch]) })), 200);
            result.GetProperty("rejected").GetInt32().ShouldBe(0);
        }
    }

    internal static async Task<JsonElement> RefitAsync(TestTenant tenant)
    {
        var job = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync("/v1/risk-model/refit", null), 202);
        var id = job.GetProperty("id").GetString()!;
        return await Eventually.ReadAsync(async () => await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/risk-model/refits/{id}"), 200),
            j => j.GetProperty("status").GetString() is "succeeded" or "failed", $"refit {id} done");
    }

    private static async Task<JsonElement> ModelAsync(TestTenant tenant) =>
        await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/risk-model"), 200);

    [Fact]
    public async Task A_refit_fits_every_purchasing_customer_and_a_failed_one_keeps_the_model_in_force()
    {
        var tenant = await app.CreateTenantAsync();
        var histories = BgNbdFitterTests.Simulate(Truth, 700, seed: 7);
        await RecordAsync(tenant, histories, seed: 7);
        (await tenant.Admin.GetAsync("/v1/risk-model")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);

        var refit = await RefitAsync(tenant);
        refit.GetProperty("status").GetString().ShouldBe("succeeded");
        refit.GetProperty("outcome").GetString().ShouldBe("fitted");

        var model = await ModelAsync(tenant);
        model.GetProperty("status").GetString().ShouldBe("fitted");
        model.GetProperty("customers").GetInt64().ShouldBe(700);
        model.GetProperty("repeatBuyers").GetInt64().ShouldBe(histories.Count(h => h.X > 0));
        model.GetProperty("fittedAt").GetDateTimeOffset().ShouldBe(await tenant.ReadClockAsync());
        var p = model.GetProperty("parameters");
        var fitted = new BgNbdParameters(p.GetProperty("r").GetDouble(), p.GetProperty("alpha").GetDouble(), p.GetProperty("a").GetDouble(),
            p.GetProperty("b").GetDouble());
        // The SQL aggregate saw the same (x, t_x, T) in days as the simulation: the reported likelihood is theirs, and no
        // other parameters do better on them.
        var local = PurchaseHistories.Of(histories);
        model.GetProperty("logLikelihood").GetDouble().ShouldBe(BgNbdFitter.LogLikelihood(local, fitted), 1e-3);
        model.GetProperty("logLikelihood").GetDouble().ShouldBe(BgNbdFitter.Fit(local, 5_000).LogLikelihood, 1e-3);
        fitted.Alpha.ShouldBe(Truth.Alpha, Truth.Alpha * 0.6);
        var calibration = model.GetProperty("calibration").EnumerateArray().ToArray();
        calibration.Select(b => b.GetProperty("frequency").GetInt32()).ShouldBe([0, 1, 2, 3, 4, 5, 6, 7]);
        calibration.Select(b => b.GetProperty("actualCustomers").GetInt64())
            .ShouldBe(Enumerable.Range(0, 8).Select(k => (long)histories.Count(h => Math.Min(h.X, 7) == k)));
        calibration.Sum(b => b.GetProperty("predictedCustomers").GetDouble()).ShouldBe(700, 0.5);

        // A fit that does not converge is failed with its reason, and the previous model stays in force.
        var risk = app.Services.GetRequiredService<IOptions<WinBackOptions>>().Value.Risk;
        risk.MaxIterations = 3;
        try
        {
            (await RefitAsync(tenant)).GetProperty("outcome").GetString().ShouldBe("failed");
        }
        finally
        {
            risk.MaxIterations = 5_000;
        }
        var after = await ModelAsync(tenant);
        after.GetProperty("status").GetString().ShouldBe("failed");
        after.GetProperty("reason").GetString()!.ShouldContain("did not converge within 3 iterations");
        after.GetProperty("parameters").GetRawText().ShouldBe(p.GetRawText());
        after.GetProperty("fittedAt").GetDateTimeOffset().ShouldBe(model.GetProperty("fittedAt").GetDateTimeOffset());
        // Customers are still scored, by the model in force.
        (await tenant.CustomerAsync("c0000")).GetProperty("risk").GetProperty("fittedAt").GetDateTimeOffset()
            .ShouldBe(model.GetProperty("fittedAt").GetDateTimeOffset());

        var history = (await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/risk-model/history"), 200)).GetProperty("data")
            .EnumerateArray().ToArray();
        history.Select(h => h.GetProperty("status").GetString()).ShouldBe(["failed", "fitted"]);
        history[1].GetProperty("parameters").GetRawText().ShouldBe(p.GetRawText());
    }

    [Fact]
    public async Task Too_few_customers_is_insufficient_data_with_no_model()
    {
        var tenant = await app.CreateTenantAsync();
        var histories = BgNbdFitterTests.Simulate(Truth, 60, seed: 3);
        await RecordAsync(tenant, histories, seed: 3);

        (await RefitAsync(tenant)).GetProperty("outcome").GetString().ShouldBe("insufficient_data");

        var model = await ModelAsync(tenant);
        model.GetProperty("status").GetString().ShouldBe("insufficient_data");
        model.GetProperty("customers").GetInt64().ShouldBe(60);
        model.GetProperty("parameters").ValueKind.ShouldBe(JsonValueKind.Null);
        model.GetProperty("calibration").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task A_refit_while_one_runs_returns_the_running_one_and_another_tenant_cannot_read_it()
    {
        var tenant = await app.CreateTenantAsync();
        // A refit the worker has started (and holds): a second request must not queue another.
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession(tenant.Id))
        {
            session.Store(new RiskRefitJob { Id = "rfit_running", TenantId = tenant.Id, Status = RiskRefitStatus.Running, CreatedAt = app.Clock.GetUtcNow() });
            session.Insert(new ActiveRiskRefit { Id = tenant.Id, JobId = "rfit_running" });
            await session.SaveChangesAsync();
        }

        var again = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => tenant.Admin.PostAsync("/v1/risk-model/refit", null)));
        foreach (var response in again)
            (await EngineRequests.ReadAsync(response, 202)).GetProperty("id").GetString().ShouldBe("rfit_running");

        var other = await app.CreateTenantAsync();
        (await other.Admin.GetAsync("/v1/risk-model")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        (await other.Admin.GetAsync("/v1/risk-model/refits/rfit_running")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        (await tenant.Ingest.PostAsync("/v1/risk-model/refit", null)).StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_tenant_whose_refit_keeps_failing_is_given_up_with_its_reason_while_another_tenants_refit_runs()
    {
        var poisoned = await app.CreateTenantAsync(name: "poisoned");
        await RecordAsync(poisoned, BgNbdFitterTests.Simulate(Truth, 20, seed: 5), seed: 5);
        // A customer whose first purchase is no finite time, as a damaged row would be: the aggregate query fails on it every time
        // (PostgreSQL 15 cannot subtract an infinite timestamp).
        await Db.ExecuteAsync(app.ConnectionString, """
            update winback.customer_summary set first_purchase_at = '-infinity'
            where tenant_id = @tenant and id = 'c0000'
            """, poisoned.Id);
        var healthy = await app.CreateTenantAsync(name: "healthy");
        await RecordAsync(healthy, BgNbdFitterTests.Simulate(Truth, 20, seed: 6), seed: 6);

        var (failed, succeeded) = (RefitAsync(poisoned), RefitAsync(healthy));

        (await succeeded).GetProperty("outcome").GetString().ShouldBe("insufficient_data");
        var job = await failed;
        job.GetProperty("status").GetString().ShouldBe("failed");
        job.GetProperty("failure").GetString()!.ShouldContain("could not run 5 times and was given up");
        (await poisoned.Admin.GetAsync("/v1/risk-model")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        // The slot is free again: a new request queues a new refit.
        (await EngineRequests.ReadAsync(await poisoned.Admin.PostAsync("/v1/risk-model/refit", null), 202)).GetProperty("id").GetString()
            .ShouldNotBe(job.GetProperty("id").GetString());
    }
}
