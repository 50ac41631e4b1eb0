using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Infrastructure.Sharding;

/// <summary>
/// Applies Marten's tables to every shard at start (a step of <see cref="DatabaseStartup"/>), as Marten's own start-up step
/// would, except that a shard that is away does not stop the process: its tenants get 503 meanwhile, the other shards are
/// served, and its tables are applied as soon as it answers again (tried every few seconds). Any other failure still stops
/// the start.
/// </summary>
public sealed class ShardSchemas(ShardDatabases shards, IEnumerable<ShardUpgrade> upgrades, IHostApplicationLifetime lifetime, ILogger<ShardSchemas> logger)
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(3);

    public async Task ApplyAsync(CancellationToken ct)
    {
        foreach (var shard in await shards.AllAsync())
        {
            try
            {
                await ApplyToAsync(shard, ct);
            }
            catch (Exception e) when (ProblemMapping.IsDatabaseUnavailable(e))
            {
                logger.LogWarning(LoopFailures.WorthAStack(e), "Shard {Shard} is away ({Error}); its tables are applied once it answers", shard.Name, e.Message);
                _ = ApplyLaterAsync(shard, lifetime.ApplicationStopping);
            }
        }
    }

    private async Task ApplyLaterAsync(ShardRef shard, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Retry, stopping);
                await ApplyToAsync(shard, stopping);
                logger.LogInformation("Shard {Shard} answers again; its tables are applied", shard.Name);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                logger.LogDebug(e, "Shard {Shard} is still away", shard.Name);
            }
        }
    }

    private async Task ApplyToAsync(ShardRef shard, CancellationToken ct)
    {
        await shard.Database.ApplyAllConfiguredChangesToDatabaseAsync(ct: ct);
        foreach (var upgrade in upgrades)
        {
            await using var connection = await Postgres.Sql.OpenDatabaseAsync(shard.Database, ct);
            await upgrade.Run(connection, ct);
        }
    }
}

/// <summary>A feature's in-place upgrade of a shard's data (<see cref="Hosting.FeatureContext.ShardUpgrade"/>).</summary>
public sealed record ShardUpgrade(Func<Npgsql.NpgsqlConnection, CancellationToken, Task> Run);
