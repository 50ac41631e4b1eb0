using Marten;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Tests.Features.Engine;

namespace WinBack.Api.Tests.Infrastructure.Marten;

public sealed class PartitionedEventsApp : WinBackApp
{
    protected override IReadOnlyDictionary<string, string> Settings =>
        new Dictionary<string, string> { ["WinBack:TenantPartitionedEvents"] = "true" };
}

/// <summary>
/// With tenant-partitioned events (a setting for measurement) Marten partitions the streams table, and PostgreSQL refuses a
/// fill factor on a partitioned table: the shard upgrade that gives the plain table one leaves it alone, and the service
/// starts and records.
/// </summary>
public sealed class PartitionedStreamsTests(PartitionedEventsApp app) : IClassFixture<PartitionedEventsApp>
{
    [Fact]
    public async Task A_partitioned_streams_table_is_left_without_a_fill_factor_and_the_service_records()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.ActivityAsync("cus_partitioned", "login");

        await using var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession(tenant.Id);
        (await session.Events.FetchStreamAsync("cus_partitioned")).Count.ShouldBe(1);
        (await Db.ScalarAsync(app.ConnectionString,
            "select count(*) from pg_class where oid = 'winback.mt_streams'::regclass and relkind = 'p' and reloptions is null", "-"))
            .ShouldBe(1L);
    }
}
