using Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Infrastructure.Idempotency;

/// <summary>
/// Worker job: forgets Idempotency-Keys once they are older than the configured retention, in batches of its own
/// transaction each, so a large backlog is never one long transaction and what was purged stays purged if a batch fails.
/// A failed purge is recorded (<see cref="Loop"/>, one unit for the master and one per shard) and runs again at the next hour;
/// a shard that is away fails alone, and the master and the other shards are purged in the same pass. Two workers both purge, which is harmless
/// (a delete of what is past retention; a second finds less or nothing); a killed one left nothing half-done but a batch.
/// </summary>
public sealed class IdempotencyKeyPurge(ShardDatabases shards, PlatformDatabase platform, BackgroundHealth health, TimeProvider clock, IOptions<WinBackOptions> options)
    : BackgroundService
{
    public const string Loop = "idempotency_purge";
    private const int Batch = 10_000;
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            // It holds nobody's work up, so it simply runs every hour, failed or not.
            await PurgeAsync(stoppingToken);
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <returns>The number of keys forgotten.</returns>
    public async Task<long> PurgeAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - options.Value.IdempotencyRetention;
        // Keys are kept with their owner's data: the platform key's in the master, each tenant's on its shard.
        var purged = await PurgeAsync(BackgroundHealth.WholeTenant, () => Sql.OpenPlatformAsync(platform, ct), cutoff, ct);
        foreach (var shard in await shards.AllAsync())
            purged += await PurgeAsync($"shard/{shard.Name}", () => Sql.OpenDatabaseAsync(shard.Database, ct), cutoff, ct);
        return purged;
    }

    // One database's purge, a unit of its own: its failure is recorded and the next database is still purged.
    private async Task<long> PurgeAsync(string unit, Func<Task<Npgsql.NpgsqlConnection>> open, DateTimeOffset cutoff, CancellationToken ct)
    {
        try
        {
            await using var connection = await open();
            var purged = await IdempotencyStore.PurgeAsync(connection, cutoff, Batch, ct);
            await health.ClearAsync(Loop, BackgroundHealth.Platform, [unit], ct);
            return purged;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            await health.FailedAsync(Loop, BackgroundHealth.Platform, unit, e, ct);
            return 0;
        }
    }
}
