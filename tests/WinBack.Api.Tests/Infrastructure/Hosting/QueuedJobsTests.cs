using Marten;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Features.Rules;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Common;
using WinBack.Domain.Rules;

namespace WinBack.Api.Tests.Infrastructure.Hosting;

/// <summary>The one runner of queued jobs: a try cut off by the tenant's write fence (a move between shards) is no failure of the job.</summary>
public sealed class QueuedJobsTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task A_job_whose_writes_the_tenants_fence_refuses_counts_no_attempt_and_runs_once_the_fence_is_gone()
    {
        var tenant = await app.CreateTenantAsync();
        var jobs = app.Services.GetRequiredService<QueuedJobs>();
        var from = app.Clock.GetUtcNow();
        var job = new BacktestJob
        {
            Id = $"bt_fenced_{Guid.NewGuid():N}", TenantId = tenant.Id, Definition = InactivityRule(), From = from, To = from.AddDays(30), CreatedAt = from,
        };
        var kind = new JobKind<BacktestJob>(BacktestWorker.BacktestLoop, (attempts, reason) => $"given up after {attempts}: {reason}");

        // The fence goes up while the job runs (as a move's freeze begins): its next write, and the runner's record of the try, are refused.
        await jobs.RunAsync(kind, job, async (_, saveProgress) =>
        {
            await Db.ExecuteAsync(app.ConnectionString,
                "insert into winback.tenant_fence (tenant_id, refuses_writes, since) values (@tenant, true, now())", tenant.Id);
            await saveProgress();
            return null;
        }, CancellationToken.None);
        (job.Status, job.Attempts).ShouldBe((BacktestStatus.Queued, 0));
        job.Failure!.ShouldContain("moving to another shard");

        // The move is called off: the outcome is saved on the worker's next pass, and the backtest runs then, with no failure on record.
        await Db.ExecuteAsync(app.ConnectionString, "delete from winback.tenant_fence where tenant_id = @tenant", tenant.Id);
        var done = await Eventually.ReadAsync(async () => await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/rules/backtests/{job.Id}"), 200),
            j => j.GetProperty("status").GetString() == "succeeded", "the fenced backtest run after the fence");
        done.GetProperty("failure").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        await using var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession(tenant.Id);
        (await session.LoadAsync<BacktestJob>(job.Id))!.Attempts.ShouldBe(0);
        (await app.Services.GetRequiredService<BackgroundHealth>().FailingAsync(BacktestWorker.BacktestLoop, CancellationToken.None, tenant.Id)).All.ShouldBeEmpty();
    }

    private static RuleDefinition InactivityRule() => new("ten days", 0, new Trigger(TriggerType.Inactivity, 10, []), Eligibility.Everyone,
        new RewardSpec(RewardType.AccountCredit, new Money(1000, "eur"), null, null, null, null, 30, RewardGrant.Immediate), Limits.None, null, null,
        RuleDefinition.DefaultAttributionDays);
}
