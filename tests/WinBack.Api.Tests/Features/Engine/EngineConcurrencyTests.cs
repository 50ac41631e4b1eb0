using System.Net;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Engine;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Customers;

namespace WinBack.Api.Tests.Features.Engine;

/// <summary>Exactly once: concurrent sweeps, processes and redemptions never issue a second reward or overdraw one.</summary>
public sealed class EngineConcurrencyTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");
    private const int Customers = 40;

    private static JsonObject Rule() => new()
    {
        ["name"] = "30 days quiet",
        ["priority"] = 10,
        ["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 30 },
        ["reward"] = new JsonObject { ["type"] = "account_credit", ["amount"] = 1000, ["currency"] = "eur", ["expiresInDays"] = 30 },
    };

    /// <summary>Customers quiet for 31 days, and only then an active rule, so that nothing has swept them yet.</summary>
    private async Task<(TestTenant Tenant, string[] CustomerIds)> CrossedAsync()
    {
        var tenant = await app.CreateTenantAsync();
        var ids = Enumerable.Range(0, Customers).Select(i => $"cus_{i:D3}").ToArray();
        await Task.WhenAll(ids.Select(id => tenant.ActivityAsync(id, "purchase", amount: 2000)));
        await tenant.AdvanceAsync(T0.AddDays(31));
        await tenant.CreateActiveAsync(Rule());
        return (tenant, ids);
    }

    [Fact]
    public async Task Concurrent_sweeps_and_duplicate_redemptions_issue_one_reward_per_episode_and_never_overdraw()
    {
        var (tenant, ids) = await CrossedAsync();
        var sweep = app.Services.GetRequiredService<LapseSweep>();
        var asOf = T0.AddDays(31);

        // Two sweeps asked for over the API, two run directly, and an advance of the clock: all at once.
        var posted = Enumerable.Range(0, 2).Select(_ => tenant.Admin.PostAsync("/v1/sweeps", null));
        var direct = Enumerable.Range(0, 2).Select(_ => sweep.RunAsync(tenant.Id, asOf, null, CancellationToken.None));
        var advance = tenant.AdvanceAsync(asOf.AddMinutes(10));
        var jobs = await Task.WhenAll(posted);
        var counts = await Task.WhenAll(direct);
        await advance;
        foreach (var job in jobs)
            await tenant.WaitForSweepAsync((await EngineRequests.ReadAsync(job, 202)).GetProperty("id").GetString()!);

        counts.Sum(c => c.Rewarded).ShouldBeLessThanOrEqualTo(Customers);
        var rewards = new List<string>();
        foreach (var id in ids)
        {
            (await tenant.EventsAsync(id, "customer_lapsed")).Length.ShouldBe(1, id);
            var issued = await tenant.RewardsAsync(id);
            issued.Length.ShouldBe(1, id);
            rewards.Add(issued[0].GetProperty("id").GetString()!);
        }

        // Per reward: the same order three times and two other orders, all at once. 300 + 400 + 400 exceeds 1000.
        var redemptions = rewards.SelectMany(reward => new[]
        {
            Redeem(tenant, reward, "same", 300), Redeem(tenant, reward, "same", 300), Redeem(tenant, reward, "same", 300),
            Redeem(tenant, reward, "other-1", 400), Redeem(tenant, reward, "other-2", 400),
        }).ToList();
        var statuses = await Task.WhenAll(redemptions);
        statuses.ShouldAllBe(s => s == HttpStatusCode.Created || s == HttpStatusCode.OK || s == HttpStatusCode.UnprocessableEntity);

        foreach (var id in ids)
        {
            var reward = (await tenant.RewardsAsync(id)).Single();
            var live = reward.GetProperty("redemptions").EnumerateArray().ToList();
            // Any two of the three orders fit in 1000, all three do not; whichever came first, exactly two went through, once each.
            live.Select(r => r.GetProperty("orderId").GetString()).Distinct().Count().ShouldBe(live.Count, id);
            live.Count.ShouldBe(2, id);
            var used = live.Sum(r => r.GetProperty("amount").GetInt64());
            reward.GetProperty("remaining").GetInt64().ShouldBe(1000 - used, id);
            var ledger = await tenant.LedgerAsync(id);
            ledger.GetProperty("entries").EnumerateArray().Sum(e => e.GetProperty("amount").GetInt64()).ShouldBe(ledger.Eur());
            (await tenant.CustomerAsync(id)).Eur().ShouldBe(1000 - used, id);
        }
    }

    [Fact]
    public async Task Two_processes_deciding_the_same_customers_at_once_open_one_episode_each()
    {
        var (tenant, ids) = await CrossedAsync();
        await using var second = new SecondProcess(app.ConnectionString);
        await ((IAsyncLifetime)second).InitializeAsync();
        var asOf = T0.AddDays(31);

        // Straight to each process's customer writer, past the sweep's one-per-tenant turn: only the stream's own guard is left.
        var decisions = new[] { app.Services, second.Services }.SelectMany(services =>
        {
            var writer = services.GetRequiredService<CustomerEventWriter>();
            var processIds = services.GetRequiredService<Ids>();
            return ids.Select(async id =>
            {
                IReadOnlyList<ActiveRule> rules;
                await using (var session = services.GetRequiredService<IDocumentStore>().QuerySession(tenant.Id))
                    rules = await LapseSweep.ActiveRulesAsync(session, asOf, CancellationToken.None);
                return await writer.WriteAsync(new CustomerEventWrite(tenant.Id, id, current =>
                    LapseDecider.Decide(new DetectLapse(tenant.Id, rules, processIds.New("lap"), processIds.New("rwd"), asOf), current)));
            });
        }).ToList();
        var written = await Task.WhenAll(decisions);

        written.Count(w => w.Events.Count > 0).ShouldBe(Customers);
        foreach (var id in ids)
        {
            (await tenant.EventsAsync(id, "customer_lapsed")).Length.ShouldBe(1, id);
            (await tenant.EventsAsync(id, "reward_issued")).Length.ShouldBe(1, id);
        }
    }

    private static async Task<HttpStatusCode> Redeem(TestTenant tenant, string rewardId, string orderId, long amount)
    {
        var body = new JsonObject { ["orderId"] = orderId, ["amount"] = amount, ["currency"] = "eur" };
        return (await tenant.Ingest.PostAsync($"/v1/rewards/{rewardId}/redemptions", RuleRequests.Json(body))).StatusCode;
    }
}
