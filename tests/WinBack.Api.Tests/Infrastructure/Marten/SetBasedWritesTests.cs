using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Sharding;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Domain.Customers;

namespace WinBack.Api.Tests.Infrastructure.Marten;

/// <summary>
/// The customer writer appends events and stores hot states in one statement each (SetBasedWrites), beside Marten's append.
/// What it writes must be what Marten would have written: Marten reads the streams back as its own, and a stale version fails.
/// </summary>
public sealed class SetBasedWritesTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task Activities_appended_in_one_statement_read_back_through_Marten_with_their_versions_types_and_order()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.ActivityAsync("cus_set", "login");
        await tenant.ActivityAsync("cus_set", "purchase", amount: 1200);
        await tenant.ActivityAsync("cus_other", "login");
        await tenant.ActivityAsync("cus_set", "login");

        var store = app.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession(tenant.Id);
        var events = await session.Events.FetchStreamAsync("cus_set");
        events.Select(e => e.Version).ShouldBe([1L, 2L, 3L]);
        events.Select(e => ((ActivityRecorded)e.Data).Type).ShouldBe([ActivityType.Login, ActivityType.Purchase, ActivityType.Login]);
        events.Select(e => e.Sequence).ShouldBeInOrder(SortDirection.Ascending);
        // The purchase falls in no attribution window (the customer never lapsed): stored as one that no episode counts.
        events.Select(e => e.EventTypeName).ShouldBe(["non_revenue_activity_recorded", "unattributed_activity_recorded", "non_revenue_activity_recorded"]);
        events.Select(e => e.Data.GetType()).ShouldBe([typeof(NonRevenueActivityRecorded), typeof(UnattributedActivityRecorded), typeof(NonRevenueActivityRecorded)]);
        events.ShouldAllBe(e => e.TenantId == tenant.Id && e.Id != Guid.Empty);
        ((ActivityRecorded)events[1].Data).Amount!.Amount.ShouldBe(1200);
        (await session.Events.FetchStreamStateAsync("cus_set"))!.Version.ShouldBe(3);
        (await CustomerSummaries.LoadAsync(session, "cus_set", CancellationToken.None))!.Version.ShouldBe(3);
        (await session.Events.FetchStreamAsync("cus_other")).Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_append_decided_on_a_stale_version_fails_and_writes_nothing()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.ActivityAsync("cus_stale", "login");
        await tenant.ActivityAsync("cus_stale", "login");
        var store = app.Services.GetRequiredService<IDocumentStore>();
        var writes = app.Services.GetRequiredService<SetBasedWrites>();

        var appends = writes.Appends();
        var now = DateTimeOffset.UtcNow;
        appends.Add("cus_stale", 1, [new ActivityRecorded("cus_stale", "act_stale", ActivityType.Login, now, now, null, null, null, null, null)]);
        var failure = await Should.ThrowAsync<PostgresException>(() => OneTripCommit.RunAsync(store, tenant.Id, transaction =>
        {
            transaction.Queue(appends.Statement(tenant.Id));
            return Task.FromResult(0);
        }, CancellationToken.None));
        // The unique violation on the events' version key, which the writer retries on the state the stream has then
        // (CustomerEventWriter.IsTransient).
        failure.SqlState.ShouldBe(PostgresErrorCodes.UniqueViolation);

        await using var query = store.QuerySession(tenant.Id);
        (await query.Events.FetchStreamAsync("cus_stale")).Count.ShouldBe(2);
        (await query.Events.FetchStreamStateAsync("cus_stale"))!.Version.ShouldBe(2);
    }

    [Fact]
    public async Task The_streams_table_leaves_room_on_its_pages_and_Martens_schema_check_at_the_next_start_keeps_it()
    {
        const string streamsLeaveRoom =
            "select count(*) from pg_class where oid = 'winback.mt_streams'::regclass and reloptions @> array['fillfactor=80']";
        (await Db.ScalarAsync(app.ConnectionString, streamsLeaveRoom, "-")).ShouldBe(1L, "the shard upgrade ran at start");

        // What the next start does first: Marten's own schema check on every shard, before the upgrades run again.
        foreach (var shard in await app.Services.GetRequiredService<ShardDatabases>().AllAsync())
            await shard.Database.ApplyAllConfiguredChangesToDatabaseAsync();
        (await Db.ScalarAsync(app.ConnectionString, streamsLeaveRoom, "-")).ShouldBe(1L, "Marten does not reset the setting");
    }

    [Fact]
    public void Events_an_inline_projection_handles_are_left_to_Martens_append()
    {
        var writes = app.Services.GetRequiredService<SetBasedWrites>();
        var now = DateTimeOffset.UtcNow;
        writes.CanAppend([new ActivityRecorded("c", "a", ActivityType.Login, now, now, null, null, null, null, null)]).ShouldBeTrue();
        writes.CanAppend([new RewardRedeemed("c", "rwd_1", "red_1", "order_1", 100, "eur", now)])
            .ShouldBeFalse("the reward record projection runs inline");
    }
}
