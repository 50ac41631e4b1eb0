using System.Data.Common;
using System.Text.Json;
using Npgsql;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Features.Moves;

/// <summary>Where a move stands. The steps run in this order; each can be run again after a crash.</summary>
public static class MoveSteps
{
    public const string Copy = "copy", CatchUp = "catch_up", VerifyHistory = "verify_history", Freeze = "freeze", DrainOutboxes = "drain_outboxes", FinalCopy = "final_copy",
        Verify = "verify", Flip = "flip", Settle = "settle", DeleteSource = "delete_source", Done = "done", Rollback = "rollback";

    /// <summary>
    /// The status a move is reported under while <paramref name="step"/> is the next to run: copying until the freeze is done,
    /// frozen while writes are refused and the last of them are copied, then verifying (checksums, the flip, the source's
    /// last sends settled, the source deleted) until it has succeeded.
    /// </summary>
    public static string StatusOf(string step) => step switch
    {
        Copy or CatchUp or VerifyHistory or Freeze => MoveStatus.Copying,
        DrainOutboxes or FinalCopy => MoveStatus.Frozen,
        _ => MoveStatus.Verifying,
    };

    /// <summary>Steps after the freeze began (its time is recorded when the first of them is).</summary>
    public static bool Frozen(string step) => step is not (Copy or CatchUp or VerifyHistory or Freeze or Rollback);

    /// <summary>Steps after the flip.</summary>
    public static bool Flipped(string step) => step is Settle or DeleteSource or Done;

    /// <summary>Steps before the flip: a move that keeps failing there is rolled back; after it, it only goes forward.</summary>
    public static bool BeforeFlip(string step) => step is Copy or CatchUp or VerifyHistory or Freeze or DrainOutboxes or FinalCopy or Verify;
}

public static class MoveStatus
{
    public const string Queued = "queued", Copying = "copying", Frozen = "frozen", Verifying = "verifying", Succeeded = "succeeded",
        Failed = "failed", RolledBack = "rolled_back";

    public static bool Finished(string status) => status is Succeeded or Failed or RolledBack;
}

/// <summary>One table's rows of the tenant on each shard, and whether their checksums agree (after verification).</summary>
public sealed record TableCount(long? Source, long Target, bool? Equal);

/// <summary>
/// The tenant's events already compared before the freeze: those through <paramref name="SourceThrough"/> on the source and through
/// <paramref name="TargetThrough"/> on the target (the sequences differ), <paramref name="Rows"/> of them with the checksum
/// <paramref name="Sum"/> on both. Events are never changed once written, so the verify inside the freeze hashes only the later ones.
/// </summary>
public sealed record VerifiedEvents(long SourceThrough, long TargetThrough, long Rows, string Sum);

/// <summary>A move's record in the master database.</summary>
public sealed record TenantMove(
    string Id, string TenantId, string FromShard, string ToShard, string Status, string Step, IReadOnlyDictionary<string, TableCount> Counts,
    long ThroughSequence, int Failures, string? Error, DateTimeOffset? FrozenAt, long? FreezeMs, DateTimeOffset? FlippedAt,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<string>? OpenKeys = null, VerifiedEvents? Verified = null)
{
    /// <summary>A new move, queued (its times are the master's once it runs).</summary>
    public static TenantMove Queued(string id, string tenantId, string fromShard, string toShard, DateTimeOffset now) =>
        new(id, tenantId, fromShard, toShard, MoveStatus.Queued, MoveSteps.Copy, new Dictionary<string, TableCount>(), 0, 0, null, null, null, null, now, now);
}

/// <summary>The moves, in the master database: one row per move, claimed by one worker at a time with a lease.</summary>
public sealed class TenantMoves(PlatformDatabase platform)
{
    public const string TableName = MartenSetup.SchemaName + ".tenant_move";
    private const string Columns = "id, tenant_id, from_shard, to_shard, status, step, counts::text as counts, through_seq, failures, error, frozen_at, " +
                                   "freeze_ms, flipped_at, created_at, updated_at, open_keys, verified_events::text as verified_events";

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn<string>("id").AsPrimaryKey();
        table.AddColumn<string>("tenant_id").NotNull();
        table.AddColumn<string>("from_shard").NotNull();
        table.AddColumn<string>("to_shard").NotNull();
        table.AddColumn<string>("status").NotNull();
        table.AddColumn<string>("step").NotNull();
        table.AddColumn("counts", "jsonb").NotNull();
        table.AddColumn<long>("through_seq").NotNull();
        table.AddColumn<int>("failures").NotNull();
        table.AddColumn<string>("error");
        table.AddColumn<DateTimeOffset>("frozen_at");
        table.AddColumn<long>("freeze_ms");
        table.AddColumn<DateTimeOffset>("flipped_at");
        table.AddColumn<DateTimeOffset>("created_at").NotNull();
        table.AddColumn<DateTimeOffset>("updated_at").NotNull();
        // Idempotency-Keys still open when the final copy was taken: settled after the flip (answered or released at the source).
        table.AddColumn("open_keys", "text[]");
        table.AddColumn("verified_events", "jsonb");
        table.AddColumn<string>("claimed_by");
        table.AddColumn<DateTimeOffset>("lease_until");
        // One open move per tenant: a second request while one runs is refused (409), and two can never run at once.
        table.Indexes.Add(new IndexDefinition("ux_tenant_move_open")
        {
            Columns = ["tenant_id"], IsUnique = true,
            Predicate = $"status not in ('{MoveStatus.Succeeded}', '{MoveStatus.Failed}', '{MoveStatus.RolledBack}')",
        });
        return table;
    }

    /// <summary>Queues a move; false when the tenant already has one open.</summary>
    public async Task<bool> QueueAsync(TenantMove move, CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var command = Sql.Command(connection, $"""
            insert into {TableName} (id, tenant_id, from_shard, to_shard, status, step, counts, through_seq, failures, created_at, updated_at)
            values (@id, @tenant, @from, @to, @status, @step, @counts::jsonb, 0, 0, @now, @now)
            on conflict (tenant_id) where status not in ('{MoveStatus.Succeeded}', '{MoveStatus.Failed}', '{MoveStatus.RolledBack}') do nothing
            """, ("id", move.Id), ("tenant", move.TenantId), ("from", move.FromShard), ("to", move.ToShard), ("status", move.Status),
            ("step", move.Step), ("now", move.CreatedAt), ("counts", "{}"));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<TenantMove?> FindAsync(string id, CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var command = Sql.Command(connection, $"select {Columns} from {TableName} where id = @id", ("id", id));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>The oldest open move nobody holds (never claimed, or its holder's lease ran out), now held by <paramref name="worker"/>.</summary>
    public async Task<TenantMove?> ClaimAsync(string worker, TimeSpan lease, CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var command = Sql.Command(connection, $"""
            update {TableName} set claimed_by = @worker, lease_until = now() + @lease
            where id = (select id from {TableName}
                        where status not in ('{MoveStatus.Succeeded}', '{MoveStatus.Failed}', '{MoveStatus.RolledBack}')
                          and (lease_until is null or lease_until < now())
                        order by created_at limit 1 for update skip locked)
            returning {Columns}
            """, ("worker", worker), ("lease", lease));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>Keeps the lease; false when another worker took the move over (this one must stop at once).</summary>
    public async Task<bool> RenewAsync(string id, string worker, TimeSpan lease, CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var command = Sql.Command(connection, $"update {TableName} set lease_until = now() + @lease where id = @id and claimed_by = @worker",
            ("id", id), ("worker", worker), ("lease", lease));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>The freeze begins now (by the master's clock), unless it began already: called just before the fence goes up.</summary>
    public async Task MarkFrozenAsync(string id, CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var command = Sql.Command(connection, $"update {TableName} set frozen_at = coalesce(frozen_at, clock_timestamp()) where id = @id", ("id", id));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>How long until <paramref name="after"/> has passed since the freeze began, by the master's clock (every worker reads the same one).</summary>
    public async Task<TimeSpan> UntilAfterFreezeAsync(string id, TimeSpan after, CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var command = Sql.Command(connection, $"""
            select coalesce(extract(epoch from frozen_at + @after - clock_timestamp()), 0)::float8 from {TableName} where id = @id
            """, ("id", id), ("after", after));
        return TimeSpan.FromSeconds(Math.Max(0, (double)(await command.ExecuteScalarAsync(ct))!));
    }

    /// <summary>
    /// Records progress, only while the lease is still this worker's; in the caller's transaction when it has one. The freeze and
    /// the flip are timed by the master's clock when the move first reaches the step after them.
    /// </summary>
    public static async Task<bool> SaveAsync(NpgsqlConnection connection, TenantMove move, string worker, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, $"""
            update {TableName} set status = @status, step = @step, counts = @counts::jsonb, through_seq = @through, failures = @failures, error = @error,
              frozen_at = case when frozen_at is null and @frozen then clock_timestamp() else frozen_at end,
              flipped_at = case when flipped_at is null and @flipped then clock_timestamp() else flipped_at end,
              freeze_ms = case when freeze_ms is null and @flipped
                then (extract(epoch from clock_timestamp() - coalesce(frozen_at, clock_timestamp())) * 1000)::bigint else freeze_ms end,
              updated_at = clock_timestamp(), open_keys = @keys, verified_events = @verified::jsonb
            where id = @id and claimed_by = @worker
            """, ("id", move.Id), ("worker", worker), ("status", move.Status), ("step", move.Step),
            ("counts", JsonSerializer.Serialize(move.Counts, WinBackJson.Options)), ("through", move.ThroughSequence), ("failures", move.Failures),
            ("error", move.Error), ("frozen", MoveSteps.Frozen(move.Step)), ("flipped", MoveSteps.Flipped(move.Step)), ("keys", move.OpenKeys?.ToArray()),
            ("verified", move.Verified is null ? null : JsonSerializer.Serialize(move.Verified, WinBackJson.Options)));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> SaveAsync(TenantMove move, string worker, CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        return await SaveAsync(connection, move, worker, ct);
    }

    /// <summary>Lets another worker (or this one, later) take the move up again after <paramref name="delay"/>.</summary>
    public async Task ReleaseAsync(string id, string worker, TimeSpan delay, CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var command = Sql.Command(connection, $"""
            update {TableName} set claimed_by = null, lease_until = now() + @delay where id = @id and claimed_by = @worker
            """, ("id", id), ("worker", worker), ("delay", delay));
        await command.ExecuteNonQueryAsync(ct);
    }

    private static TenantMove Read(DbDataReader reader) => new(
        reader.Get<string>("id"), reader.Get<string>("tenant_id"), reader.Get<string>("from_shard"), reader.Get<string>("to_shard"),
        reader.Get<string>("status"), reader.Get<string>("step"),
        JsonSerializer.Deserialize<Dictionary<string, TableCount>>(reader.Get<string>("counts"), WinBackJson.Options)!,
        reader.Get<long>("through_seq"), reader.Get<int>("failures"), reader.StringOrNull("error"), reader.ValueOrNull<DateTimeOffset>("frozen_at"),
        reader.ValueOrNull<long>("freeze_ms"), reader.ValueOrNull<DateTimeOffset>("flipped_at"), reader.Get<DateTimeOffset>("created_at"),
        reader.Get<DateTimeOffset>("updated_at"), reader.IsDBNull(reader.GetOrdinal("open_keys")) ? null : reader.Get<string[]>("open_keys"),
        reader.StringOrNull("verified_events") is { } verified ? JsonSerializer.Deserialize<VerifiedEvents>(verified, WinBackJson.Options) : null);
}
