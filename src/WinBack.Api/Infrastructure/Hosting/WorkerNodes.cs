using Npgsql;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Options;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Sharding;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>A live worker process, as its last heartbeat described it.</summary>
/// <param name="Leader">True while it leads the Marten async daemon (runs the projections and subscriptions).</param>
/// <param name="Loops">The background loops it leads, each with the shard it leads it on (<c>engine@a</c>, <see cref="LeaderLoop"/>).</param>
public sealed record WorkerNode(string Id, int Pid, string Host, DateTimeOffset StartedAt, DateTimeOffset LastSeenAt, bool Leader,
    IReadOnlyList<string> Loops);

/// <summary>
/// The worker processes' heartbeat table. Times are PostgreSQL's <c>now()</c>, so that hosts' clocks (and a test's fake
/// clock) do not matter. A row not refreshed within <see cref="WorkerOptions.LostAfter"/> is a dead worker and not listed.
/// </summary>
public sealed class WorkerNodes(PlatformDatabase platform, IOptions<WinBackOptions> options)
{
    public const string TableName = MartenSetup.SchemaName + ".worker_node";

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn<string>("id").AsPrimaryKey();
        table.AddColumn<int>("pid").NotNull();
        table.AddColumn<string>("host").NotNull();
        table.AddColumn<DateTimeOffset>("started_at").NotNull();
        table.AddColumn<DateTimeOffset>("last_seen_at").NotNull();
        table.AddColumn<bool>("leader").NotNull();
        table.AddColumn("loops", "text[]").NotNull();
        return table;
    }

    public async Task BeatAsync(string id, bool leader, IReadOnlyList<string> loops, CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        // Dead workers' rows are deleted here too, long after they stopped being listed, so that the table stays small.
        await using var command = Sql.Command(connection, $"""
            insert into {TableName} (id, pid, host, started_at, last_seen_at, leader, loops) values (@id, @pid, @host, now(), now(), @leader, @loops)
            on conflict (id) do update set last_seen_at = now(), leader = excluded.leader, loops = excluded.loops;
            delete from {TableName} where last_seen_at < now() - interval '1 day';
            """, ("id", id), ("pid", Environment.ProcessId), ("host", Environment.MachineName), ("leader", leader), ("loops", loops.ToArray()));
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task RemoveAsync(string id, CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var command = Sql.Command(connection, $"delete from {TableName} where id = @id", ("id", id));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The workers heard from within the takeover time, oldest first.</summary>
    public async Task<IReadOnlyList<WorkerNode>> LiveAsync(CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var command = Sql.Command(connection, $"""
            select id, pid, host, started_at, last_seen_at, leader, loops from {TableName}
            where last_seen_at >= now() - @lost order by started_at, id
            """, ("lost", options.Value.Workers.LostAfter));
        var nodes = new List<WorkerNode>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            nodes.Add(new WorkerNode(reader.Get<string>("id"), reader.Get<int>("pid"), reader.Get<string>("host"), reader.Get<DateTimeOffset>("started_at"),
                reader.Get<DateTimeOffset>("last_seen_at"), reader.Get<bool>("leader"), reader.Get<string[]>("loops")));
        return nodes;
    }
}

/// <summary>
/// Keeps this worker's row in <see cref="WorkerNodes"/> fresh, and deletes it on a clean stop. Whether it leads the async
/// daemon is read from Marten itself: in HotCold mode only the holder of the daemon's advisory lock runs agents, so this
/// process leads when its daemon for the main database has any agent (<see cref="IProjectionDaemon.CurrentAgents"/>).
/// </summary>
public sealed class WorkerHeartbeat(WorkerNodes nodes, IServiceProvider services, IOptions<WinBackOptions> options, ILogger<WorkerHeartbeat> logger)
    : BackgroundService
{
    private static readonly TimeSpan Check = TimeSpan.FromSeconds(1);

    /// <summary>This process's worker id: host, pid and a random part (a pid is reused after a restart).</summary>
    public string Id { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var coordinator = services.GetService<IProjectionCoordinator>();
        // Resolved here, not in the constructor: the loops are hosted services, as this is.
        var loops = services.GetServices<IHostedService>().OfType<LeaderLoop>().ToList();
        (bool Leader, string Loops)? written = null;
        var writtenAt = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var leader = await LeadsDaemonAsync(coordinator);
            // Each loop is led per shard: "engine@a".
            var leading = loops.SelectMany(l => l.LeadingShards.Select(shard => $"{l.Name}@{shard}")).Order(StringComparer.Ordinal).ToList();
            var state = (leader, string.Join(',', leading));
            if (written != state || DateTimeOffset.UtcNow - writtenAt >= options.Value.Workers.Heartbeat)
            {
                try
                {
                    await nodes.BeatAsync(Id, leader, leading, stoppingToken);
                    (written, writtenAt) = (state, DateTimeOffset.UtcNow);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // The database is away (or anything else): a heartbeat must never stop the host.
                    logger.LogWarning(LoopFailures.WorthAStack(e), "Worker {WorkerId} could not write its heartbeat ({Error}); it tries again", Id, e.Message);
                }
            }
            try { await Task.Delay(Check, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await nodes.RemoveAsync(Id, cancellationToken);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Worker {WorkerId} could not delete its heartbeat row; it drops off the list after the takeover time", Id);
        }
    }

    // Leading the daemon of any shard: each shard's daemon has its own leader (HotCold).
    private static async Task<bool> LeadsDaemonAsync(IProjectionCoordinator? coordinator)
    {
        if (coordinator is null)
            return false;
        try
        {
            return (await coordinator.AllDaemonsAsync()).Any(daemon => daemon.CurrentAgents().Count > 0);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or NpgsqlException)
        {
            return false; // the store is being torn down, the daemon is not built yet, or the master is away
        }
    }
}
