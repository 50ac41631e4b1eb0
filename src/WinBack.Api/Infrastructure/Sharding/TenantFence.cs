using Marten;
using Marten.Services;
using Marten.Storage;
using Npgsql;
using Weasel.Postgresql.Functions;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Infrastructure.Sharding;

/// <summary>
/// A tenant's fence on one shard (<c>tenant_fence</c>), put up while the tenant moves between shards. Every fenced tenant's
/// webhooks and Stripe calls wait on that shard (the dispatchers skip it: <see cref="NotFenced"/>); a fence that
/// <c>refuses_writes</c> also makes every write of the tenant there fail with SQLSTATE <see cref="MovingState"/>, which the API
/// answers with 503 <c>tenant_moving</c> and background work retries later. The source of a move refuses writes from the start
/// of the freeze until the tenant is deleted there (and stays fenced, so that a process that has not heard of the move yet is
/// refused rather than writing where nobody reads); the target holds the tenant's sends until the source's last ones settled.
/// </summary>
public static class TenantFence
{
    public const string TableName = MartenSetup.SchemaName + ".tenant_fence";
    public const string GuardFunction = MartenSetup.SchemaName + ".tenant_write_guard";

    /// <summary>The SQLSTATE of a write refused by a fence (a class of WinBack's own).</summary>
    public const string MovingState = "WB001";

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn<string>("tenant_id").AsPrimaryKey();
        table.AddColumn<bool>("refuses_writes").NotNull();
        table.AddColumn<DateTimeOffset>("since").NotNull();
        return table;
    }

    /// <summary>
    /// Called inside every write transaction of a tenant. The shared lock lets a move wait for the writes already past this point
    /// (it takes the same key exclusively once the fence is up: <see cref="DrainAsync"/>); each statement of a plpgsql function
    /// reads a fresh snapshot, so a write that takes the lock after the fence committed sees the fence.
    /// </summary>
    public static Function Guard() => Function.ForSql($"""
        create or replace function {GuardFunction}(tenant text) returns boolean language plpgsql as $$
        begin
          perform pg_advisory_xact_lock_shared(hashtextextended('winback-tenant-write/' || tenant, 0));
          if exists (select 1 from {TableName} where tenant_id = tenant and refuses_writes) then
            raise exception 'Tenant % is moving to another shard; retry in a moment.', tenant using errcode = '{MovingState}';
          end if;
          return true;
        end $$;
        """);

    /// <summary>SQL condition: the tenant of <paramref name="alias"/>'s row has no fence on this shard (its sends may go).</summary>
    public static string NotFenced(string alias) => $"not exists (select 1 from {TableName} fence where fence.tenant_id = {alias}.tenant_id)";

    /// <summary>
    /// The tenants fenced on the shard, for a scan of queued jobs (documents): a fenced tenant's jobs wait, on the source because
    /// it is moving away, on the target because it is not served there yet (its copied jobs run after the flip).
    /// </summary>
    public static async Task<IReadOnlySet<string>> FencedAsync(IMartenDatabase shard, CancellationToken ct)
    {
        await using var connection = await Sql.OpenDatabaseAsync(shard, ct);
        await using var command = Sql.Command(connection, $"select tenant_id from {TableName}");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var fenced = new HashSet<string>();
        while (await reader.ReadAsync(ct))
            fenced.Add(reader.GetString(0));
        return fenced;
    }

    /// <summary>
    /// SQL condition for a hand-written single-statement write (in its WHERE, or an INSERT's SELECT), with the tenant as
    /// <c>@tenant</c>: true, or the statement fails when the tenant is fenced. It has no columns, so it is evaluated once.
    /// </summary>
    public const string Check = GuardFunction + "(@tenant)";

    /// <summary>For a hand-written tenant write: refuses it when the tenant is fenced. Call it inside the write's transaction.</summary>
    public static async Task GuardAsync(NpgsqlConnection connection, string tenantId, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, $"select {GuardFunction}(@tenant)", ("tenant", tenantId));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Puts the fence up (or turns a holding fence into one that refuses writes). Idempotent.</summary>
    public static async Task RaiseAsync(NpgsqlConnection connection, string tenantId, bool refusesWrites, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, $"""
            insert into {TableName} (tenant_id, refuses_writes, since) values (@tenant, @refuses, now())
            on conflict (tenant_id) do update set refuses_writes = excluded.refuses_writes
            """, ("tenant", tenantId), ("refuses", refusesWrites));
        await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task LowerAsync(NpgsqlConnection connection, string tenantId, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, $"delete from {TableName} where tenant_id = @tenant", ("tenant", tenantId));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Waits for every write of the tenant that passed the guard before the fence went up to commit or roll back.</summary>
    public static async Task DrainAsync(NpgsqlConnection connection, string tenantId, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, """
            select pg_advisory_lock(hashtextextended('winback-tenant-write/' || @tenant, 0));
            select pg_advisory_unlock(hashtextextended('winback-tenant-write/' || @tenant, 0));
            """, ("tenant", tenantId));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>True when the failure is a write refused by a fence, however deep Marten or Npgsql wrapped it.</summary>
    public static bool IsMoving(Exception? exception) => exception switch
    {
        null => false,
        PostgresException { SqlState: MovingState } => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsMoving),
        _ => IsMoving(exception.InnerException),
    };
}

/// <summary>
/// Queues the fence's guard in every Marten session that saves for a tenant, after the session's writes in the same round trip:
/// the hot path pays one function call, not a round trip. (The customer writer's transaction is not a Marten session: it
/// queues the same guard before its own COMMIT, <see cref="Marten.OneTripCommit"/>.)
/// (The async daemon's projections and subscriptions do not save through sessions: they derive from events already written,
/// and a move waits for them.)
/// </summary>
public sealed class TenantFenceListener : DocumentSessionListenerBase
{
    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        if (session.TenantId is not (JasperFx.StorageConstants.DefaultTenantId or TenantSessionFactory.NoTenant))
            session.QueueSqlCommand($"select {TenantFence.GuardFunction}(?)", session.TenantId);
        return Task.CompletedTask;
    }
}
