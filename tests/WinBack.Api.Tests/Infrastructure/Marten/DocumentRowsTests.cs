using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Domain.Customers;

namespace WinBack.Api.Tests.Infrastructure.Marten;

/// <summary>
/// The group commit writes and reads Marten documents as plain statements (DocumentRows). The rows must be Marten's: Marten
/// loads what they wrote, they read what Marten stored, an upsert replaces, and an insert of an id already there fails.
/// </summary>
public sealed class DocumentRowsTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private IDocumentStore Store => app.Services.GetRequiredService<IDocumentStore>();
    private DocumentRows Documents => app.Services.GetRequiredService<DocumentRows>();

    [Fact]
    public async Task Marten_loads_what_the_rows_wrote_and_an_upsert_replaces_it()
    {
        var tenant = await app.CreateTenantAsync();
        var first = Episode("ep_1");
        await WriteAsync(tenant.Id, Documents.Upsert(tenant.Id, [History("cus_a", []), History("cus_b", [first])]));
        await WriteAsync(tenant.Id, Documents.Upsert(tenant.Id, [History("cus_a", [first, Episode("ep_2")])]));

        await using var session = Store.QuerySession(tenant.Id);
        (await session.LoadAsync<CustomerHistory>("cus_a"))!.Episodes.Select(e => e.EpisodeId).ShouldBe(["ep_1", "ep_2"],
            "the second upsert replaced the first");
        var b = (await session.LoadAsync<CustomerHistory>("cus_b"))!.Episodes.Single();
        (b.EpisodeId, b.LapsedAt, b.AttributionDays).ShouldBe(("ep_1", first.LapsedAt, 30));
        await using var other = Store.QuerySession((await app.CreateTenantAsync()).Id);
        (await other.LoadAsync<CustomerHistory>("cus_a")).ShouldBeNull("another tenant's document");
    }

    [Fact]
    public async Task The_rows_read_what_Marten_stored_and_an_insert_of_an_id_already_there_fails()
    {
        var tenant = await app.CreateTenantAsync();
        var now = DateTimeOffset.UtcNow;
        var activity = ActivityRecorded.Of("cus_d", "act_d", ActivityType.Login, now, now, null, null, null, null, "order-1");
        await using (var session = Store.LightweightSession(tenant.Id))
        {
            session.Insert(new ActivityDedupe { Id = "dedupe-1", Activity = activity });
            await session.SaveChangesAsync();
        }

        var reads = new ReadBatch();
        var found = reads.Rows(Documents.SelectByIds<ActivityDedupe>(tenant.Id, ["dedupe-1", "dedupe-2"]), Documents.Read<ActivityDedupe>);
        await OneTripCommit.RunAsync(Store, tenant.Id, async transaction =>
        {
            await transaction.ReadAsync(reads, CancellationToken.None);
            return 0;
        }, CancellationToken.None);
        var read = found.Single().Activity;
        (read.ActivityId, read.CustomerId, read.ExternalId, read.OccurredAt).ShouldBe((activity.ActivityId, "cus_d", "order-1", activity.OccurredAt));

        var failure = await Should.ThrowAsync<PostgresException>(() =>
            WriteAsync(tenant.Id, Documents.Insert(tenant.Id, [new ActivityDedupe { Id = "dedupe-1", Activity = activity }])));
        failure.SqlState.ShouldBe(PostgresErrorCodes.UniqueViolation);
    }

    private async Task WriteAsync(string tenantId, NpgsqlBatchCommand? write) =>
        await OneTripCommit.RunAsync(Store, tenantId, transaction =>
        {
            transaction.Queue(write.ShouldNotBeNull("documents to write make a statement"));
            return Task.FromResult(0);
        }, CancellationToken.None);

    private static EpisodeFacts Episode(string id) =>
        new(id, "rule_1", 1, "treatment", DateTimeOffset.Parse("2026-01-05T00:00:00Z"), 30, null, new Dictionary<string, string>());

    private static CustomerHistory History(string id, IReadOnlyList<EpisodeFacts> episodes) => new() { Id = id, Rewards = [], Episodes = episodes };
}
