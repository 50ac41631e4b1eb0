using Marten;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Domain.Customers;

namespace WinBack.Api.Tests.Infrastructure.Marten;

/// <summary>
/// The group commit's transaction sends its COMMIT with its writes (OneTripCommit). What must hold: the fence guard runs
/// before the COMMIT, a failed statement holds the COMMIT back, and what Marten writes (and checks only after its batch) is
/// committed after its answers.
/// </summary>
public sealed class OneTripCommitTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private IDocumentStore Store => app.Services.GetRequiredService<IDocumentStore>();

    [Fact]
    public async Task Writes_commit_in_the_same_round_trip_and_are_there_afterwards()
    {
        var tenant = await app.CreateTenantAsync();
        var used = await RunAsync(tenant.Id, transaction => QueueLogin(transaction, "cus_one_trip", version: 0));
        used.CommittedWithWrites.ShouldBeTrue();

        await using var query = Store.QuerySession(tenant.Id);
        (await query.Events.FetchStreamAsync("cus_one_trip")).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_tenant_fenced_against_writes_is_refused_before_the_commit_and_nothing_is_stored()
    {
        var tenant = await app.CreateTenantAsync();
        await using var fence = await Sql.OpenForTenantAsync(Store, tenant.Id, CancellationToken.None);
        await TenantFence.RaiseAsync(fence, tenant.Id, refusesWrites: true, CancellationToken.None);
        try
        {
            var failure = await Should.ThrowAsync<Exception>(() => RunAsync(tenant.Id, t => QueueLogin(t, "cus_fenced", version: 0)));
            TenantFence.IsMoving(failure).ShouldBeTrue(failure.ToString());
        }
        finally
        {
            await TenantFence.LowerAsync(fence, tenant.Id, CancellationToken.None);
        }

        await using var query = Store.QuerySession(tenant.Id);
        (await query.Events.FetchStreamStateAsync("cus_fenced")).ShouldBeNull("the COMMIT after the guard never ran");
    }

    [Fact]
    public async Task A_statement_that_fails_holds_back_the_commit_of_the_writes_before_it()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.ActivityAsync("cus_failing", "login");
        await Should.ThrowAsync<Exception>(() => RunAsync(tenant.Id, transaction =>
        {
            transaction.Queue(Documents.Upsert(tenant.Id, [new CustomerHistory { Id = "cus_written_first", Rewards = [], Episodes = [] }]));
            QueueLogin(transaction, "cus_failing", version: 0); // the stream is at version 1: a unique violation
        }));

        await using var query = Store.QuerySession(tenant.Id);
        (await query.LoadAsync<CustomerHistory>("cus_written_first")).ShouldBeNull("the document before the failure rolled back");
        (await query.Events.FetchStreamAsync("cus_failing")).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_stream_Marten_appends_is_committed_after_Martens_checks_in_a_round_trip_of_its_own()
    {
        var tenant = await app.CreateTenantAsync();
        var used = await RunAsync(tenant.Id, transaction => transaction.Session.Events.StartStream("cus_marten", Login("cus_marten")));
        used.CommittedWithWrites.ShouldBeFalse();
        await Should.ThrowAsync<Exception>(() => RunAsync(tenant.Id, transaction =>
        {
            transaction.Queue(Documents.Upsert(tenant.Id, [new CustomerHistory { Id = "cus_beside_a_stale_append", Rewards = [], Episodes = [] }]));
            transaction.Session.Events.Append("cus_marten", 5, Login("cus_marten")); // the stream is at version 1
        }));

        await using var query = Store.QuerySession(tenant.Id);
        (await query.Events.FetchStreamAsync("cus_marten")).Count.ShouldBe(1);
        (await query.LoadAsync<CustomerHistory>("cus_beside_a_stale_append")).ShouldBeNull();
    }

    [Fact]
    public async Task A_transaction_with_nothing_to_save_commits_on_its_own()
    {
        var tenant = await app.CreateTenantAsync();
        var reads = new ReadBatch();
        var histories = reads.Rows(Documents.SelectByIds<CustomerHistory>(tenant.Id, ["nobody"]), Documents.Read<CustomerHistory>);
        var used = await OneTripCommit.RunAsync(Store, tenant.Id, async transaction =>
        {
            await transaction.ReadAsync(reads, CancellationToken.None);
            return transaction;
        }, CancellationToken.None);
        histories.ShouldBeEmpty();
        used.CommittedWithWrites.ShouldBeFalse();
    }

    [Fact]
    public async Task A_connection_that_breaks_under_the_transaction_is_reported_as_the_database_unavailable()
    {
        var tenant = await app.CreateTenantAsync();
        var failure = await Should.ThrowAsync<Exception>(() => OneTripCommit.RunAsync(Store, tenant.Id, async transaction =>
        {
            // What a restart does to the connection: its backend ends.
            var reads = new ReadBatch();
            var pid = reads.Rows(Sql.Statement('^', "select pg_backend_pid()"), r => r.GetInt32(0));
            await transaction.ReadAsync(reads, CancellationToken.None);
            await Db.ExecuteAsync(app.ConnectionString, "select pg_terminate_backend(@pid)", tenant.Id, ("pid", pid.Single()));
            transaction.Queue(Documents.Upsert(tenant.Id, [new CustomerHistory { Id = "nobody", Rewards = [], Episodes = [] }]));
            return 0;
        }, CancellationToken.None));
        ProblemMapping.IsDatabaseUnavailable(failure).ShouldBeTrue(failure.ToString());
    }

    /// <summary>Runs the queuing in a transaction and returns it, committed, for what it says about the commit.</summary>
    private async Task<OneTripCommit> RunAsync(string tenantId, Action<OneTripCommit> queue) =>
        await OneTripCommit.RunAsync(Store, tenantId, transaction =>
        {
            queue(transaction);
            return Task.FromResult(transaction);
        }, CancellationToken.None);

    private DocumentRows Documents => app.Services.GetRequiredService<DocumentRows>();

    private void QueueLogin(OneTripCommit transaction, string customerId, long version)
    {
        var appends = app.Services.GetRequiredService<SetBasedWrites>().Appends();
        appends.Add(customerId, version, [Login(customerId)]);
        transaction.Queue(appends.Statement(transaction.TenantId));
    }

    private static ActivityRecorded Login(string customerId)
    {
        var now = DateTimeOffset.UtcNow;
        return ActivityRecorded.Of(customerId, $"act_{Guid.NewGuid():N}", ActivityType.Login, now, now, null, null, null, null, null);
    }
}
