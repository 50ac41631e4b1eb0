using Marten;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Features.Engine;
using WinBack.Api.Features.Imports;
using WinBack.Api.Features.Stripe;
using WinBack.Api.Features.Webhooks;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Features.Platform;

/// <summary>Reads what <see cref="GetPlatformStatusEndpoint"/> shows, across every tenant.</summary>
public sealed class PlatformStatusReader(IDocumentStore store, WorkerNodes workers, BackgroundHealth health, TimeProvider wall)
{
    private const string HighWaterMark = "HighWaterMark";

    public async Task<PlatformStatusResponse> ReadAsync(CancellationToken ct) => new(
        (await workers.LiveAsync(ct)).Select(WorkerView.Of).ToList(),
        await ProjectionsAsync(ct),
        await QueuesAsync(ct),
        await health.ParkedCountsAsync(ct));

    // Rows named HighWater… are the daemon's own (the mark, and a fence Marten keeps), not projections.
    // Lag: how long ago (PostgreSQL's clock) the oldest event it has not processed yet, up to the high-water mark, was
    // appended; 0 when it is caught up. The events after the high-water mark are not yet visible to any projection.
    public async Task<IReadOnlyList<ProjectionView>> ProjectionsAsync(CancellationToken ct)
    {
        var (events, progression) = (Sql.EventsTable(store), Sql.EventProgressionTable(store));
        var projections = new List<ProjectionView>();
        foreach (var database in await Sql.EachDatabaseAsync(store, ct)) // each database runs its own projections
        {
            await using var connection = await Sql.OpenDatabaseAsync(database, ct);
            await using var command = Sql.Command(connection, $"""
                with hw as (select coalesce((select last_seq_id from {progression} where name = @hw), 0) as seq)
                select p.name, coalesce(p.last_seq_id, 0) as sequence, hw.seq as high_water_mark,
                  coalesce((select extract(epoch from now() - e.timestamp)::float8 from {events} e
                            where e.seq_id > coalesce(p.last_seq_id, 0) and e.seq_id <= hw.seq order by e.seq_id limit 1), 0) as lag_seconds
                from {progression} p cross join hw
                where p.name not like 'HighWater%' order by p.name
                """, ("hw", HighWaterMark));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                projections.Add(new ProjectionView(reader.Get<string>("name"), reader.Get<long>("sequence"), reader.Get<long>("high_water_mark"),
                    Math.Max(0, Math.Round(reader.Get<double>("lag_seconds"), 1))));
        }
        return projections;
    }

    /// <summary>Webhook deliveries and Stripe syncs pending (due or waiting for a retry).</summary>
    public async Task<(long Webhooks, long Stripe)> OutboxDepthAsync(CancellationToken ct)
    {
        long webhooks = 0, stripe = 0;
        foreach (var database in await Sql.EachDatabaseAsync(store, ct)) // the outboxes sit with their tenants' data
        {
            await using var connection = await Sql.OpenDatabaseAsync(database, ct);
            await using var command = Sql.Command(connection, $"""
                select (select count(*) from {WebhookTables.Deliveries} where status = 'pending') as webhooks,
                  (select count(*) from {StripeTables.Sync} where status = 'pending') as stripe
                """);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (webhooks, stripe) = (webhooks + reader.Get<long>("webhooks"), stripe + reader.Get<long>("stripe"));
        }
        return (webhooks, stripe);
    }

    private async Task<QueuesView> QueuesAsync(CancellationToken ct)
    {
        var (pending, stripe) = await OutboxDepthAsync(ct);
        long due = 0;
        double oldest = 0;
        foreach (var database in await Sql.EachDatabaseAsync(store, ct))
        {
            await using var connection = await Sql.OpenDatabaseAsync(database, ct);
            // Retries fall due by the wall clock (WebhookQueue); ages are PostgreSQL's, as the rows' created_at is.
            await using var command = Sql.Command(connection, $"""
                select count(*) as due, coalesce(extract(epoch from now() - min(created_at))::float8, 0) as oldest_seconds
                from {WebhookTables.Deliveries} where status = 'pending' and next_attempt_at <= @wall
                """, ("wall", wall.GetUtcNow()));
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (due, oldest) = (due + reader.Get<long>("due"), Math.Max(oldest, reader.Get<double>("oldest_seconds")));
        }
        var webhooks = new WebhookQueueView(due, pending, Math.Max(0, Math.Round(oldest, 1)));

        var jobs = await ShardSessions.QueryEachAsync(store, async session => (IReadOnlyList<(int Running, int Queued, int Sweeps)>)
        [(
            await session.Query<ImportJob>().Where(j => j.AnyTenant() && j.Status == ImportStatus.Running).CountAsync(ct),
            await session.Query<ImportJob>().Where(j => j.AnyTenant() && j.Status == ImportStatus.Queued).CountAsync(ct),
            await session.Query<SweepJob>().Where(j => j.AnyTenant() && j.Status == SweepStatus.Queued).CountAsync(ct)
        )], ct);
        return new QueuesView(webhooks, stripe, new ImportQueueView(jobs.Sum(j => j.Running), jobs.Sum(j => j.Queued)), jobs.Sum(j => j.Sweeps));
    }
}
