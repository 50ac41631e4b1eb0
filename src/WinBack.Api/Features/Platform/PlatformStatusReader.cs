using Marten;
using Marten.Storage;
using Npgsql;
using WinBack.Api.Features.Engine;
using WinBack.Api.Features.Imports;
using WinBack.Api.Features.Stripe;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Features.Webhooks;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;
using SessionOptions = Marten.Services.SessionOptions;

namespace WinBack.Api.Features.Platform;

/// <summary>
/// Reads what <see cref="GetPlatformStatusEndpoint"/> shows, across every tenant: the only read that crosses shards. Each
/// shard is read on its own, all at once, each given <see cref="ShardTimeout"/>; a shard that fails or does not answer is
/// listed unhealthy with its error, and the totals are those of the shards that answered.
/// </summary>
public sealed class PlatformStatusReader(IDocumentStore store, ShardDatabases shards, ShardLayout layout, PlatformDatabase platform,
    WorkerNodes workers, TimeProvider wall)
{
    private const string HighWaterMark = "HighWaterMark";
    private static readonly TimeSpan ShardTimeout = TimeSpan.FromSeconds(2);

    // One shard's share of the status.
    private sealed record ShardReading(long SizeBytes, IReadOnlyList<ProjectionView> Projections, (long Webhooks, long Stripe) Outboxes,
        long WebhooksDue, double OldestDueSeconds, long ImportsRunning, long ImportsQueued, long SweepsQueued, IReadOnlyDictionary<string, long> Parked);

    public async Task<PlatformStatusResponse> ReadAsync(CancellationToken ct)
    {
        var reads = (await shards.AllAsync()).Select(shard => ReadShardAsync(shard, ct)).ToList();
        var nodes = await workers.LiveAsync(ct);
        IReadOnlyDictionary<string, long> tenants, platformParked;
        await using (var master = await Sql.OpenPlatformAsync(platform, ct))
        {
            tenants = await TenantStore.CountPerShardAsync(master, ct);
            // Platform units' failures are kept in the master; with the master as the only shard, the shard's count has them.
            platformParked = layout.MasterIsOnlyShard ? new Dictionary<string, long>() : await BackgroundHealth.ParkedCountsAsync(master, ct);
        }
        var read = await Task.WhenAll(reads);
        var up = read.Where(r => r.Reading is not null).Select(r => r.Reading!).ToList();
        var parked = new Dictionary<string, long>();
        BackgroundHealth.Add(parked, platformParked);
        foreach (var reading in up)
            BackgroundHealth.Add(parked, reading.Parked);
        var queues = new QueuesView(
            new WebhookQueueView(up.Sum(r => r.WebhooksDue), up.Sum(r => r.Outboxes.Webhooks), Math.Max(0, Math.Round(up.Select(r => r.OldestDueSeconds).DefaultIfEmpty().Max(), 1))),
            up.Sum(r => r.Outboxes.Stripe), new ImportQueueView(up.Sum(r => r.ImportsRunning), up.Sum(r => r.ImportsQueued)), up.Sum(r => r.SweepsQueued));
        return new PlatformStatusResponse(nodes.Select(WorkerView.Of).ToList(), up.SelectMany(r => r.Projections).ToList(), queues, parked,
            read.Select(r => new ShardView(r.Name, tenants.GetValueOrDefault(r.Name), r.Reading?.SizeBytes, r.Reading is not null, r.Error,
                r.Reading?.Projections ?? [])).ToList());
    }

    private async Task<(string Name, ShardReading? Reading, string? Error)> ReadShardAsync(ShardRef shard, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ShardTimeout);
        try
        {
            return (shard.Name, await ReadShardAsync(shard.Database, timeout.Token), null);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            return (shard.Name, null, e is OperationCanceledException ? $"The shard did not answer within {ShardTimeout.TotalSeconds:0} s." : e.Message);
        }
    }

    private async Task<ShardReading> ReadShardAsync(IMartenDatabase database, CancellationToken ct)
    {
        await using var connection = await Sql.OpenDatabaseAsync(database, ct);
        await using var size = Sql.Command(connection, "select pg_database_size(current_database())");
        var sizeBytes = (long)(await size.ExecuteScalarAsync(ct))!;
        var projections = await ProjectionsAsync(connection, ct);
        var outboxes = await OutboxDepthAsync(connection, ct);
        // Retries fall due by the wall clock (WebhookQueue); ages are PostgreSQL's, as the rows' created_at is.
        await using var dueCommand = Sql.Command(connection, $"""
            select count(*) as due, coalesce(extract(epoch from now() - min(created_at))::float8, 0) as oldest_seconds
            from {WebhookTables.Deliveries} where status = 'pending' and next_attempt_at <= @wall
            """, ("wall", wall.GetUtcNow()));
        long due;
        double oldest;
        await using (var reader = await dueCommand.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            (due, oldest) = (reader.Get<long>("due"), reader.Get<double>("oldest_seconds"));
        }
        var parked = await BackgroundHealth.ParkedCountsAsync(connection, ct);
        await using var session = store.QuerySession(SessionOptions.ForDatabase(database));
        return new ShardReading(sizeBytes, projections, outboxes, due, oldest,
            await session.Query<ImportJob>().Where(j => j.AnyTenant() && j.Status == ImportStatus.Running).CountAsync(ct),
            await session.Query<ImportJob>().Where(j => j.AnyTenant() && j.Status == ImportStatus.Queued).CountAsync(ct),
            await session.Query<SweepJob>().Where(j => j.AnyTenant() && j.Status == SweepStatus.Queued).CountAsync(ct),
            parked);
    }

    /// <summary>Every shard's async projections and subscriptions (for the lag gauge).</summary>
    public async Task<IReadOnlyList<ProjectionView>> ProjectionsAsync(CancellationToken ct)
    {
        var projections = new List<ProjectionView>();
        foreach (var database in await Sql.EachDatabaseAsync(shards, ct)) // each database runs its own projections
        {
            await using var connection = await Sql.OpenDatabaseAsync(database, ct);
            projections.AddRange(await ProjectionsAsync(connection, ct));
        }
        return projections;
    }

    // Rows named HighWater… are the daemon's own (the mark, and a fence Marten keeps), not projections.
    // Lag: how long ago (PostgreSQL's clock) the oldest event it has not processed yet, up to the high-water mark, was
    // appended; 0 when it is caught up. The events after the high-water mark are not yet visible to any projection.
    private async Task<IReadOnlyList<ProjectionView>> ProjectionsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var (events, progression) = (Sql.EventsTable(store), Sql.EventProgressionTable(store));
        await using var command = Sql.Command(connection, $"""
            with hw as (select coalesce((select last_seq_id from {progression} where name = @hw), 0) as seq)
            select p.name, coalesce(p.last_seq_id, 0) as sequence, hw.seq as high_water_mark,
              coalesce((select extract(epoch from now() - e.timestamp)::float8 from {events} e
                        where e.seq_id > coalesce(p.last_seq_id, 0) and e.seq_id <= hw.seq order by e.seq_id limit 1), 0) as lag_seconds
            from {progression} p cross join hw
            where p.name not like 'HighWater%' order by p.name
            """, ("hw", HighWaterMark));
        var projections = new List<ProjectionView>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            projections.Add(new ProjectionView(reader.Get<string>("name"), reader.Get<long>("sequence"), reader.Get<long>("high_water_mark"),
                Math.Max(0, Math.Round(reader.Get<double>("lag_seconds"), 1))));
        return projections;
    }

    /// <summary>Webhook deliveries and Stripe syncs pending (due or waiting for a retry), over every shard (for the gauges).</summary>
    public async Task<(long Webhooks, long Stripe)> OutboxDepthAsync(CancellationToken ct)
    {
        long webhooks = 0, stripe = 0;
        foreach (var database in await Sql.EachDatabaseAsync(shards, ct)) // the outboxes sit with their tenants' data
        {
            await using var connection = await Sql.OpenDatabaseAsync(database, ct);
            var (w, s) = await OutboxDepthAsync(connection, ct);
            (webhooks, stripe) = (webhooks + w, stripe + s);
        }
        return (webhooks, stripe);
    }

    private static async Task<(long Webhooks, long Stripe)> OutboxDepthAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, $"""
            select (select count(*) from {WebhookTables.Deliveries} where status = 'pending') as webhooks,
              (select count(*) from {StripeTables.Sync} where status = 'pending') as stripe
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.Get<long>("webhooks"), reader.Get<long>("stripe"));
    }
}
