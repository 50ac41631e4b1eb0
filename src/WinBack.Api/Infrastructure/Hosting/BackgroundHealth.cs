using Marten;
using Marten.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;
using WinBack.Domain.Common;

namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>A unit of background work (a tenant's share of a loop's pass, or one row) that failed lately.</summary>
/// <param name="Failures">Failures in a row; a success clears them.</param>
/// <param name="RetryAt">Set once parked: the unit is not tried again before then.</param>
public sealed record UnitFailure(string Loop, string TenantId, string UnitId, int Failures, string Reason, DateTimeOffset LastFailedAt,
    DateTimeOffset? ParkedAt, DateTimeOffset? RetryAt)
{
    public bool Parked => ParkedAt is not null;
}

/// <summary>The units of one loop that failed lately, read once per pass.</summary>
public sealed class FailingUnits(IReadOnlyDictionary<(string TenantId, string UnitId), UnitFailure> units)
{
    public UnitFailure? this[string tenantId, string unitId] => units.GetValueOrDefault((tenantId, unitId));

    public IEnumerable<UnitFailure> All => units.Values;

    /// <summary>Parked, and not yet due for its next try.</summary>
    public bool Waiting(string tenantId, string unitId, DateTimeOffset now) => this[tenantId, unitId] is { RetryAt: { } retry } && retry > now;
}

/// <summary>
/// Failure isolation for every background loop, in one place. A loop runs each unit of work (a tenant, or a row) on its
/// own; a failure is recorded here with its reason and logged with loop, tenant and unit. A unit that failed
/// <see cref="BackgroundOptions.ParkAfterFailures"/> times in a row is parked: it is tried again only every
/// <see cref="BackgroundOptions.ParkedRetryInterval"/>, so it no longer holds up anyone, and a success clears it. Failures
/// that no retry can fix (a stored value that cannot be summed) are parked at once. The table survives restarts and is
/// shared by every process; <see cref="ParkedCountsAsync(CancellationToken)"/> counts parked units per loop for a status endpoint.
/// </summary>
public sealed class BackgroundHealth(IDocumentStore store, PlatformDatabase platform, ShardLayout layout, ShardDatabases shardDatabases, TimeProvider wall, IOptions<WinBackOptions> options, ILogger<BackgroundHealth> logger)
{
    public const string TableName = MartenSetup.SchemaName + ".unit_failure";

    /// <summary>The tenant of units that belong to no tenant (a platform-wide purge).</summary>
    public const string Platform = "*platform*";

    /// <summary>The unit id of a tenant's whole share of a loop's pass (its sweep, its expiry run).</summary>
    public const string WholeTenant = "*";

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn<string>("loop").AsPrimaryKey();
        table.AddColumn<string>("tenant_id").AsPrimaryKey();
        table.AddColumn<string>("unit_id").AsPrimaryKey();
        table.AddColumn<int>("failures").NotNull();
        table.AddColumn<string>("reason").NotNull();
        table.AddColumn<DateTimeOffset>("first_failed_at").NotNull();
        table.AddColumn<DateTimeOffset>("last_failed_at").NotNull();
        table.AddColumn<DateTimeOffset>("parked_at");
        table.AddColumn<DateTimeOffset>("retry_at");
        return table;
    }

    private BackgroundOptions Settings => options.Value.Background;

    /// <summary>The loop's failing units of one tenant.</summary>
    public async Task<FailingUnits> FailingAsync(string loop, CancellationToken ct, string tenantId)
    {
        var units = new Dictionary<(string, string), UnitFailure>();
        await using var connection = await OpenAsync(tenantId, ct);
        await ReadFailingAsync(connection, loop, tenantId, units, ct);
        return new FailingUnits(units);
    }

    /// <summary>The loop's failing units on one shard (a per-shard loop's pass: its tenants' failures are kept on that shard).</summary>
    public async Task<FailingUnits> FailingAsync(string loop, IMartenDatabase shard, CancellationToken ct)
    {
        var units = new Dictionary<(string, string), UnitFailure>();
        await using var connection = await Sql.OpenDatabaseAsync(shard, ct);
        await ReadFailingAsync(connection, loop, null, units, ct);
        return new FailingUnits(units);
    }

    private static async Task ReadFailingAsync(NpgsqlConnection connection, string loop, string? tenantId,
        Dictionary<(string, string), UnitFailure> units, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, $"""
            select loop, tenant_id, unit_id, failures, reason, last_failed_at, parked_at, retry_at from {TableName}
            where loop = @loop and (@tenant::text is null or tenant_id = @tenant)
            """, ("loop", loop), ("tenant", tenantId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var unit = Read(reader);
            units[(unit.TenantId, unit.UnitId)] = unit;
        }
    }

    // A unit's failure is kept with its tenant's data; a platform unit's (no tenant) in the platform's database.
    private Task<NpgsqlConnection> OpenAsync(string tenantId, CancellationToken ct) =>
        tenantId == Platform ? Sql.OpenPlatformAsync(platform, ct) : Sql.OpenForTenantAsync(store, tenantId, ct);

    // Every database failures are kept in: each shard, and the master unless it is also the only shard.
    private async Task<IReadOnlyList<Func<Task<NpgsqlConnection>>>> FailureDatabasesAsync(CancellationToken ct)
    {
        var shards = (await Sql.EachDatabaseAsync(shardDatabases, ct)).Select(database => (Func<Task<NpgsqlConnection>>)(() => Sql.OpenDatabaseAsync(database, ct)));
        return layout.MasterIsOnlyShard ? shards.ToList() : shards.Prepend(() => Sql.OpenPlatformAsync(platform, ct)).ToList();
    }

    /// <summary>Runs one unit unless it is parked and not yet due; records its failure, or clears an earlier one.</summary>
    /// <returns>True when the unit ran and succeeded.</returns>
    public async Task<bool> RunAsync(string loop, string tenantId, string unitId, FailingUnits failing, Func<Task> work, CancellationToken ct)
    {
        if (failing.Waiting(tenantId, unitId, wall.GetUtcNow()))
            return false;
        try
        {
            await work();
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            await FailedAsync(loop, tenantId, unitId, e, ct);
            return false;
        }
        if (failing[tenantId, unitId] is not null)
            await ClearAsync(loop, tenantId, [unitId], ct);
        return true;
    }

    /// <summary>Records a failure of the unit; it is parked once it failed N times in a row. Never throws: bookkeeping must not stop a loop.</summary>
    /// A write refused because the tenant is moving between shards is no failure (its work resumes on the target): not recorded.
    public Task<UnitFailure?> FailedAsync(string loop, string tenantId, string unitId, Exception exception, CancellationToken ct) =>
        Sharding.TenantFence.IsMoving(exception)
            ? Task.FromResult<UnitFailure?>(null)
            : RecordAsync(loop, tenantId, unitId, ReasonOf(exception), exception, parkNow: false, connection: null, ct);

    /// <summary>Parks the unit at once: a failure that no retry can fix. Joins the connection's transaction when given one.</summary>
    public Task<UnitFailure?> ParkAsync(string loop, string tenantId, string unitId, string reason, CancellationToken ct,
        NpgsqlConnection? connection = null) =>
        RecordAsync(loop, tenantId, unitId, reason, null, parkNow: true, connection, ct);

    /// <summary>Forgets the units' failures (they succeeded). Joins the connection's transaction when given one.</summary>
    public async Task ClearAsync(string loop, string tenantId, IReadOnlyCollection<string> unitIds, CancellationToken ct,
        NpgsqlConnection? connection = null)
    {
        if (unitIds.Count == 0)
            return;
        var own = connection is null ? await OpenAsync(tenantId, ct) : null;
        try
        {
            await using var command = Sql.Command(connection ?? own!,
                $"delete from {TableName} where loop = @loop and tenant_id = @tenant and unit_id = any(@units)",
                ("loop", loop), ("tenant", tenantId), ("units", unitIds.ToArray()));
            if (await command.ExecuteNonQueryAsync(ct) > 0 && connection is null)
                logger.LogInformation("{Loop} unit {UnitId} of tenant {TenantId} succeeded again", loop, string.Join(", ", unitIds), tenantId);
        }
        finally
        {
            if (own is not null)
                await own.DisposeAsync();
        }
    }

    /// <summary>Parked units per loop, for operators.</summary>
    public async Task<IReadOnlyDictionary<string, long>> ParkedCountsAsync(CancellationToken ct)
    {
        var counts = new Dictionary<string, long>();
        foreach (var open in await FailureDatabasesAsync(ct))
        {
            await using var connection = await open();
            Add(counts, await ParkedCountsAsync(connection, ct));
        }
        return counts;
    }

    /// <summary>Parked units per loop in one database (a shard, or the master's platform units).</summary>
    public static async Task<IReadOnlyDictionary<string, long>> ParkedCountsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var counts = new Dictionary<string, long>();
        await using var command = Sql.Command(connection, $"select loop, count(*) as parked from {TableName} where parked_at is not null group by loop");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            counts[reader.Get<string>("loop")] = reader.Get<long>("parked");
        return counts;
    }

    /// <summary>Adds one database's parked counts to a total.</summary>
    public static void Add(Dictionary<string, long> total, IReadOnlyDictionary<string, long> counts)
    {
        foreach (var (loop, parked) in counts)
            total[loop] = total.GetValueOrDefault(loop) + parked;
    }

    /// <summary>What an owner may read about a failure: a refused rule's own message, PostgreSQL's reason, or the kind of internal error.</summary>
    public static string ReasonOf(Exception e) => e switch
    {
        DomainRuleViolated rule => rule.Message,
        Errors.ApiException refused => refused.Message,
        PostgresException db => $"PostgreSQL refused it: {db.MessageText} ({db.SqlState}).",
        _ when e.InnerException is PostgresException or DomainRuleViolated => ReasonOf(e.InnerException),
        _ => $"An internal error ({e.GetType().Name}); operators find the details in the log.",
    };

    private async Task<UnitFailure?> RecordAsync(string loop, string tenantId, string unitId, string reason, Exception? exception, bool parkNow,
        NpgsqlConnection? connection, CancellationToken ct)
    {
        var now = wall.GetUtcNow();
        UnitFailure unit;
        try
        {
            var own = connection is null ? await OpenAsync(tenantId, ct) : null;
            try
            {
                // Parked on the Nth failure in a row; every later failure of a parked unit puts its next try one interval away.
                await using var command = Sql.Command(connection ?? own!, $"""
                    insert into {TableName} as u (loop, tenant_id, unit_id, failures, reason, first_failed_at, last_failed_at, parked_at, retry_at)
                    values (@loop, @tenant, @unit, 1, @reason, @now, @now, case when @park or @n <= 1 then @now end,
                      case when @park or @n <= 1 then @retry end)
                    on conflict (loop, tenant_id, unit_id) do update set failures = u.failures + 1, reason = excluded.reason,
                      last_failed_at = excluded.last_failed_at,
                      parked_at = coalesce(u.parked_at, case when @park or u.failures + 1 >= @n then excluded.last_failed_at end),
                      retry_at = case when @park or u.failures + 1 >= @n then @retry end
                    returning loop, tenant_id, unit_id, failures, reason, last_failed_at, parked_at, retry_at
                    """, ("loop", loop), ("tenant", tenantId), ("unit", unitId), ("reason", reason), ("now", now), ("park", parkNow),
                    ("n", Settings.ParkAfterFailures), ("retry", now + Settings.ParkedRetryInterval));
                await using var reader = await command.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                unit = Read(reader);
            }
            finally
            {
                if (own is not null)
                    await own.DisposeAsync();
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested && connection is null)
        {
            logger.LogError(exception ?? e, "{Loop} unit {UnitId} of tenant {TenantId} failed ({Reason}), and the failure could not be recorded: {Error}",
                loop, unitId, tenantId, reason, e.Message);
            return null;
        }
        if (unit.Parked && unit.ParkedAt == unit.LastFailedAt)
            logger.LogError(exception, "Parked {Loop} unit {UnitId} of tenant {TenantId} after {Failures} failures; it is tried again at {RetryAt}: {Reason}",
                loop, unitId, tenantId, unit.Failures, unit.RetryAt, reason);
        else
            logger.LogWarning(exception, "{Loop} unit {UnitId} of tenant {TenantId} failed ({Failures} in a row; parked after {ParkAfter}): {Reason}",
                loop, unitId, tenantId, unit.Failures, Settings.ParkAfterFailures, reason);
        return unit;
    }

    private static UnitFailure Read(NpgsqlDataReader r) => new(r.Get<string>("loop"), r.Get<string>("tenant_id"), r.Get<string>("unit_id"),
        r.Get<int>("failures"), r.Get<string>("reason"), r.Get<DateTimeOffset>("last_failed_at"), r.ValueOrNull<DateTimeOffset>("parked_at"),
        r.ValueOrNull<DateTimeOffset>("retry_at"));
}
