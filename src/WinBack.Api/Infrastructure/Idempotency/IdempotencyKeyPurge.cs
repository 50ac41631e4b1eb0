using Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Infrastructure.Idempotency;

/// <summary>
/// Worker job: forgets Idempotency-Keys once they are older than the configured retention, in batches of its own
/// transaction each, so a large backlog is never one long transaction and what was purged stays purged if a batch fails.
/// A failed purge is recorded (<see cref="Loop"/>) and runs again at the next hour. Two workers both purge, which is harmless
/// (a delete of what is past retention; a second finds less or nothing); a killed one left nothing half-done but a batch.
/// </summary>
public sealed class IdempotencyKeyPurge(IDocumentStore store, PlatformDatabase platform, BackgroundHealth health, TimeProvider clock, IOptions<WinBackOptions> options)
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
            // One unit for all tenants; it holds nobody's work up, so it simply runs every hour, failed or not.
            try
            {
                await PurgeAsync(stoppingToken);
                await health.ClearAsync(Loop, BackgroundHealth.Platform, [BackgroundHealth.WholeTenant], stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                await health.FailedAsync(Loop, BackgroundHealth.Platform, BackgroundHealth.WholeTenant, e, stoppingToken);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <returns>The number of keys forgotten.</returns>
    public async Task<long> PurgeAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - options.Value.IdempotencyRetention;
        long purged;
        // Keys are kept with their owner's data: the platform key's in the master, each tenant's on its shard.
        await using (var connection = await Sql.OpenPlatformAsync(platform, ct))
            purged = await IdempotencyStore.PurgeAsync(connection, cutoff, Batch, ct);
        foreach (var database in await Sql.EachDatabaseAsync(store, ct))
        {
            await using var connection = await Sql.OpenDatabaseAsync(database, ct);
            purged += await IdempotencyStore.PurgeAsync(connection, cutoff, Batch, ct);
        }
        return purged;
    }
}
