using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Infrastructure.Sharding;

/// <summary>
/// Keeps this process's map of tenants to shards current. Marten resolves a tenant's database from a map it loads once per
/// process; when a tenant moves, the process that flipped it knows, the others do not. The master keeps one counter
/// (<c>routing_version</c>), raised by every flip; each process reads it every <see cref="WorkerOptions.RoutingPoll"/> and
/// reloads Marten's map when it changed (<c>AllDatabases</c> re-reads every assignment). Until then a stale process reads
/// from the source, which still holds the same data (the move deletes it only after <see cref="WorkerOptions.RoutingPoll"/>
/// several times over), and its writes meet the source's fence (<see cref="TenantFence"/>): 503, and a reload at once.
/// </summary>
public sealed class TenantRouting(IDocumentStore store, PlatformDatabase platform, IOptions<WinBackOptions> options, ILogger<TenantRouting> logger)
    : BackgroundService
{
    public const string TableName = MartenSetup.SchemaName + ".routing_version";
    private readonly ReloadSignal _reload = new();
    private long? _seen;

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn<int>("id").AsPrimaryKey();
        table.AddColumn<long>("version").NotNull();
        return table;
    }

    /// <summary>Raises the counter, in the caller's master transaction (the flip's).</summary>
    public static async Task BumpAsync(NpgsqlConnection master, CancellationToken ct)
    {
        await using var command = Sql.Command(master, $"""
            insert into {TableName} (id, version) values (1, 1) on conflict (id) do update set version = {TableName}.version + 1
            """);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A write met a fence: this process may be behind a move, so it looks at once rather than at the next poll.</summary>
    public void Reload() => _reload.Wake();

    /// <summary>Reloads Marten's map now (the process that flipped a tenant, before it goes on).</summary>
    public async Task ReloadNowAsync() => await store.Storage.AllDatabases();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var version = await VersionAsync(stoppingToken);
                if (_seen is not null && version != _seen)
                    await ReloadNowAsync();
                _seen = version;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The master is away: every request fails at authentication anyway; the next poll tries again.
                logger.LogDebug(e, "Could not read the routing version");
            }
            await _reload.WaitAsync(options.Value.Workers.RoutingPoll, stoppingToken);
        }
    }

    private sealed class ReloadSignal : WakeSignal;

    private async Task<long> VersionAsync(CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var command = Sql.Command(connection, $"select coalesce((select version from {TableName} where id = 1), 0)");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
