using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Features.Reports;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Reports;

/// <summary>
/// The report tables are a projection of the event store. A tenant's program (two rules in two currencies, an experiment with a
/// holdout, a budget that runs out, churn reasons, returns, refunds, redemptions, a reversal, a revocation, expiries, relapses) is
/// reported; the tables are damaged; a rebuild, in process as the command does it and then by <c>projections rebuild</c> in a
/// process of its own, gives every report back byte for byte, JSON and CSV.
/// </summary>
public sealed class ReportRebuildTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");
    private static DateTimeOffset Day(int day) => T0.AddDays(day);

    private static readonly string[] Queries =
    [
        "reactivation?groupBy=rule", "reactivation?groupBy=variant", "reactivation?groupBy=lapseMonth", "reactivation?groupBy=churnReason",
        "reactivation?groupBy=variant&from=2026-12-24&to=2027-01-10", "overview?from=2026-11-24&to=2027-04-30",
    ];

    [Fact]
    public async Task The_reports_after_a_rebuild_equal_the_reports_before_byte_for_byte()
    {
        var writer = new WinBackApp();
        await writer.InitializeAsync();
        var connectionString = writer.ConnectionString;
        var tenant = await PlayAsync(writer);
        await writer.ReportsCaughtUpAsync();
        var before = await ReadAllAsync(tenant);
        before["reactivation?groupBy=rule"].ShouldContain("\"usd\"");
        before["reactivation?groupBy=rule"].ShouldMatch("\"budget\":[1-9]");
        before["reactivation?groupBy=churnReason"].ShouldContain("too_expensive");
        before["reactivation?groupBy=lapseMonth"].ShouldContain("2027-02");
        // Its daemon stops with it: from here only the rebuilds write the report tables.
        await writer.DisposeAsync();

        await using var reader = new ApiOnly(connectionString);
        await reader.InitializeAsync();
        tenant = tenant.On(reader);

        // In process, through the daemon call that `projections rebuild` makes.
        await DamageAsync(connectionString, tenant.Id);
        (await ReadAllAsync(tenant)).ShouldNotBe(before);
        var store = reader.Services.GetRequiredService<IDocumentStore>();
        using (var daemon = await store.BuildProjectionDaemonAsync(tenant.Id)) // the daemon of the tenant's shard
            await daemon.RebuildProjectionAsync(ReportProjection.ProjectionName, TimeSpan.FromMinutes(2), CancellationToken.None);
        await ShouldEqualAsync(tenant, before);

        // The command itself, in a process of its own: it rebuilds and exits, serving nothing.
        await DamageAsync(connectionString, tenant.Id);
        (await ReadAllAsync(tenant)).ShouldNotBe(before);
        var (exitCode, output) = await ServiceProcess.RunCommandAsync(connectionString, TimeSpan.FromMinutes(3), "projections", "--rebuild");
        exitCode.ShouldBe(0, output);
        await ShouldEqualAsync(tenant, before);
    }

    private static async Task ShouldEqualAsync(TestTenant tenant, Dictionary<string, string> before)
    {
        var after = await ReadAllAsync(tenant);
        foreach (var (query, body) in before)
            after[query].ShouldBe(body, query);
    }

    // Rows lost, figures changed and the projection's own state gone: a report read now differs, and only a real rebuild mends it.
    private static async Task DamageAsync(string connectionString, string tenantId)
    {
        await Db.ExecuteAsync(connectionString, "delete from winback.lapse_episode where tenant_id = @tenant and episode_id in " +
                                                "(select episode_id from winback.lapse_episode where tenant_id = @tenant order by episode_id limit 5)", tenantId);
        await Db.ExecuteAsync(connectionString, "update winback.lapse_episode_revenue set amount = amount + 1 where tenant_id = @tenant", tenantId);
        await Db.ExecuteAsync(connectionString, "update winback.report_rollup set episodes = episodes + 7 where tenant_id = @tenant", tenantId);
        await Db.ExecuteAsync(connectionString, "delete from winback.mt_doc_customerepisodes where tenant_id = @tenant", tenantId);
        await Db.ExecuteAsync(connectionString, """
            insert into winback.report_dirty (tenant_id, rule_id, variant, lapse_date, churn_reason, shard)
            select distinct tenant_id, rule_id, variant, lapse_date, churn_reason, 0 from winback.lapse_episode where tenant_id = @tenant
            on conflict do nothing
            """, tenantId);
    }

    /// <summary>Every report as the API answers it: the JSON bodies, and the CSV of each reactivation report.</summary>
    private static async Task<Dictionary<string, string>> ReadAllAsync(TestTenant tenant)
    {
        var bodies = new Dictionary<string, string>();
        foreach (var query in Queries)
        {
            var json = await tenant.Admin.GetAsync($"/v1/reports/{query}");
            bodies[query] = await json.Content.ReadAsStringAsync();
            ((int)json.StatusCode).ShouldBe(200, bodies[query]);
            if (!query.StartsWith("reactivation", StringComparison.Ordinal))
                continue;
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/reports/{query}");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
            var csv = await tenant.Admin.SendAsync(request);
            bodies[$"{query} (csv)"] = await csv.Content.ReadAsStringAsync();
            ((int)csv.StatusCode).ShouldBe(200, bodies[$"{query} (csv)"]);
        }
        return bodies;
    }

    private static JsonObject Rule(string region, string currency, int days, int attributionDays, long amount) => new()
    {
        ["name"] = $"{region} win-back", ["priority"] = region == "eu" ? 20 : 10, ["attributionDays"] = attributionDays,
        ["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = days },
        ["eligibility"] = new JsonObject { ["attributes"] = new JsonObject { ["region"] = region } },
        ["reward"] = Credit(amount, currency, 21),
    };

    private static JsonObject Credit(long amount, string currency, int days) =>
        new() { ["type"] = "account_credit", ["amount"] = amount, ["currency"] = currency, ["expiresInDays"] = days };

    /// <summary>
    /// Ten customers in eu (an A/B test with a holdout) from day 0, and six in us (a budget for four rewards) from day 31, each with
    /// its rule; four ways of behaving after the lapse; then the ones who came back go quiet and lapse again. Played to day 150.
    /// </summary>
    private static async Task<TestTenant> PlayAsync(WinBackApp app)
    {
        var tenant = await app.CreateTenantAsync();
        var eu = Rule("eu", "eur", 30, 60, 1000);
        eu["experiment"] = new JsonObject
        {
            ["holdoutPercent"] = 25,
            ["variants"] = new JsonArray(new JsonObject { ["name"] = "A", ["weight"] = 50 },
                new JsonObject { ["name"] = "B", ["weight"] = 50, ["reward"] = Credit(2000, "eur", 21) }),
        };
        await tenant.CreateActiveAsync(eu);
        var europe = Enumerable.Range(0, 10).Select(i => (Id: $"e{i:D2}", Currency: "eur", Way: i % 4)).ToList();
        var america = Enumerable.Range(0, 6).Select(i => (Id: $"u{i:D2}", Currency: "usd", Way: i % 4)).ToList();
        await ArriveAsync(tenant, europe);
        // A manual reward is no episode's: the reports leave it out.
        await tenant.IssueCreditAsync("e03", 700);

        // Day 31: the eu customers have lapsed; the us rule and its customers arrive, and lapse on day 57.
        var acts = new List<(int Day, Func<Task> Run)>
        {
            (31, async () =>
            {
                var us = Rule("us", "usd", 26, 45, 1500);
                us["limits"] = new JsonObject { ["totalBudget"] = new JsonObject { ["amount"] = 6000, ["currency"] = "usd" } };
                await tenant.CreateActiveAsync(us);
                await ArriveAsync(tenant, america);
            }),
            (57, () => Task.CompletedTask),
        };
        acts.AddRange(AfterTheLapse(tenant, europe, 31));
        acts.AddRange(AfterTheLapse(tenant, america, 57));
        foreach (var day in acts.GroupBy(a => a.Day).OrderBy(g => g.Key))
        {
            await tenant.AdvanceAsync(Day(day.Key));
            foreach (var (_, run) in day)
                await run();
        }
        // The ones who came back go quiet again and lapse a second time.
        await tenant.AdvanceAsync(Day(120));
        await tenant.AdvanceAsync(Day(150));
        return tenant;
    }

    private static async Task ArriveAsync(TestTenant tenant, List<(string Id, string Currency, int Way)> customers)
    {
        foreach (var (id, currency, way) in customers)
        {
            (await tenant.Ingest.PutAsync($"/v1/customers/{id}", RuleRequests.Json(new JsonObject
            {
                ["attributes"] = new JsonObject { ["region"] = currency == "eur" ? "eu" : "us" },
            }))).EnsureSuccessStatusCode();
            await ActivityAsync(tenant, id, "purchase", 1000 + id[^1] % 7 * 100, currency);
            // A churn reason for some: they cancel before they go quiet.
            if (way == 1)
                await ActivityAsync(tenant, id, "subscription_cancelled", null, null, reason: "too_expensive");
        }
    }

    /// <summary>
    /// Way 0: back with a purchase 13 days after the lapse, redeems part of the credit, buys again. Way 1: back by a login, buys,
    /// refunds part of it. Way 2: the reward is revoked; never comes back. Way 3: never comes back; the reward expires. One
    /// redemption is reversed (the order was cancelled).
    /// </summary>
    private static IEnumerable<(int Day, Func<Task> Run)> AfterTheLapse(TestTenant tenant, List<(string Id, string Currency, int Way)> customers, int lapsed)
    {
        async Task<string?> RewardOfAsync(string id) =>
            (await tenant.RewardsAsync(id)).Where(r => r.GetProperty("ruleId").ValueKind == System.Text.Json.JsonValueKind.String)
            .Select(r => r.GetProperty("id").GetString()).FirstOrDefault();
        var redeemed = new List<string>();
        foreach (var (id, currency, way) in customers)
        {
            switch (way)
            {
                case 0:
                    yield return (lapsed + 13, async () =>
                    {
                        await ActivityAsync(tenant, id, "purchase", 2500, currency);
                        if (await RewardOfAsync(id) is not { } reward)
                            return;
                        var body = new JsonObject { ["orderId"] = $"order-{id}", ["amount"] = 400, ["currency"] = currency };
                        await EngineRequests.ReadAsync(await tenant.Ingest.PostAsync($"/v1/rewards/{reward}/redemptions", RuleRequests.Json(body)), 201);
                        redeemed.Add(id);
                    });
                    yield return (lapsed + 29, () => ActivityAsync(tenant, id, "purchase", 900, currency));
                    break;
                case 1:
                    yield return (lapsed + 16, () => ActivityAsync(tenant, id, "login", null, null));
                    yield return (lapsed + 21, () => ActivityAsync(tenant, id, "purchase", 1800, currency));
                    yield return (lapsed + 22, () => ActivityAsync(tenant, id, "refund", 300, currency));
                    break;
                case 2:
                    yield return (lapsed + 17, async () =>
                    {
                        if (await RewardOfAsync(id) is { } reward)
                            (await tenant.Admin.PostAsync($"/v1/rewards/{reward}/revoke",
                                RuleRequests.Json(new JsonObject { ["reason"] = "fraud check" }))).EnsureSuccessStatusCode();
                    });
                    break;
            }
        }
        // Arms are drawn at random: when every customer of way 0 fell in the holdout, there is nothing to reverse.
        yield return (lapsed + 24, async () =>
        {
            if (redeemed.Count == 0)
                return;
            var redemption = (await tenant.EventsAsync(redeemed[0], "reward_redeemed")).Single();
            (await tenant.Ingest.PostAsync($"/v1/redemptions/{redemption.GetProperty("redemptionId").GetString()}/reversal", null))
                .EnsureSuccessStatusCode();
        });
    }

    private static async Task ActivityAsync(TestTenant tenant, string id, string type, long? amount, string? currency, string? reason = null)
    {
        var body = new JsonObject { ["type"] = type };
        if (amount is { } a)
        {
            body["amount"] = a;
            body["currency"] = currency;
        }
        if (reason is not null)
            body["reason"] = reason;
        await EngineRequests.ReadAsync(await tenant.Ingest.PostAsync($"/v1/customers/{id}/activities", RuleRequests.Json(body)), 201);
    }

    /// <summary>An API process on the database: it serves reports and runs no daemon, so that only the rebuilds write.</summary>
    private sealed class ApiOnly(string connectionString) : WinBackApp
    {
        protected override Task<string> DatabaseAsync() => Task.FromResult(connectionString);
        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["WinBack:Role"] = "api" };
    }
}
