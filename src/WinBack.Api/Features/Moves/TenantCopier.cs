using Marten;
using Marten.Storage;
using Npgsql;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Features.Moves;

/// <summary>What one copy brought: the source sequence it reached (the next delta starts after it), and rows per table.</summary>
public sealed record TenantCopy(long ThroughSequence, int Events, int NewStreams, IReadOnlyDictionary<string, long> Rows);

/// <summary>
/// The copy mechanics of moving a tenant between shards: everything of the tenant from one shard's database to another's, and
/// the removal of every row of it from a shard. Both can be run again after a crash at any point. The tenant keeps being served
/// from its current shard throughout: neither touches the master's assignment (the move job flips it).
/// </summary>
public sealed class TenantCopier(IDocumentStore store, ShardLayout layout, ShardDatabases shards, TenantStore tenants)
{
    /// <summary>
    /// Copies the tenant's events (all, or those after <paramref name="sinceSequence"/> on the source), then replaces its rows in
    /// every other table of <paramref name="toShard"/> with the source's, read in one snapshot and written in one transaction.
    /// </summary>
    public async Task<TenantCopy> CopyAsync(string tenantId, string fromShard, string toShard, long? sinceSequence, CancellationToken ct)
    {
        if (fromShard == toShard)
            throw new ArgumentException("A tenant is copied to another shard.", nameof(toShard));
        var source = await DatabaseAsync(fromShard);
        await using var mover = MoverStore.For(store, Shard(toShard));
        // The tenant's partitions on the target, in the throw-away registry (idempotent: a re-run repairs a half-made tenant).
        await mover.Advanced.AddTenantToShardAsync(tenantId, toShard, ct);
        await using var from = await OpenAsync(fromShard, ct);
        await using var to = await OpenAsync(toShard, ct);
        // Before the first event lands: the target's outboxes must never send the copies (a mark left by an earlier move that did
        // not finish covers them all again), and its dispatchers and job loops leave the tenant alone until it is served there
        // (the fence holds; the move job lowers it once the source's sends settled).
        await using (var mark = Sql.Command(to, $"insert into {CopyMarks.TableName} (tenant_id) values (@tenant) on conflict (tenant_id) do update set through_seq = null", ("tenant", tenantId)))
            await mark.ExecuteNonQueryAsync(ct);
        await TenantFence.RaiseAsync(to, tenantId, refusesWrites: false, ct);
        var events = await EventCopy.CopyAsync(store, mover, source, tenantId, sinceSequence, from, to, ct);

        // One snapshot of the source, so that rows that refer to each other (deliveries and their events) arrive together.
        await using var read = await from.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var write = await to.BeginTransactionAsync(ct);
        await ForTenantAsync(from, tenantId, ct);
        await ForTenantAsync(to, tenantId, ct);
        var columns = await TableCopier.ColumnsAsync(to, ct);
        var rows = new Dictionary<string, long>();
        foreach (var table in TenantTables.All(store).Where(t => t.Copy is TableCopy.Replace or TableCopy.Remap))
            try
            {
                rows[table.Name] = table.Document
                    ? await TableCopier.SyncDocumentsAsync(from, to, table, columns[table.Name], ct)
                    : await TableCopier.ReplaceAsync(from, to, table, columns[table.Name], Sql.EventsTable(store), ct);
            }
            catch (PostgresException e)
            {
                throw new InvalidOperationException($"Copying {table.Name} of tenant {tenantId} failed: {e.MessageText}", e);
            }
        await write.CommitAsync(ct);
        return new TenantCopy(events.Through, events.Events, events.NewStreams, rows);
    }

    /// <summary>
    /// Per table, the tenant's rows and an order-independent checksum on each shard: events by every column but the sequence (id,
    /// stream, version, type, body, time; jsonb by its portable hash), streams by id, version and type, outbox rows with their sequence read as the event's
    /// stream and version, documents without Marten's write stamps. Tables the target's projection rebuilds are equal once it ran.
    /// </summary>
    public Task<IReadOnlyDictionary<string, TableCheck>> VerifyAsync(string tenantId, string fromShard, string toShard, VerifiedEvents? verified,
        CancellationToken ct)
        => InSnapshotsAsync(tenantId, fromShard, toShard, async (from, to) =>
    {
        var checks = new Dictionary<string, TableCheck>();
        var tables = TenantTables.All(store).Where(t => t.Copy is not TableCopy.Marks);
        var columns = await TableCopier.ColumnsAsync(to, ct);
        foreach (var (name, rows) in TableCopier.Checksums(store, tables, columns))
        {
            if (verified is not null && name == Sql.EventsTable(store))
            {
                checks[name] = await LaterEventsAsync(from, to, columns, verified, ct);
                continue;
            }
            // Both shards at once (they are different servers): the verification runs while the tenant's writes are frozen.
            var (source, target) = (TableCopier.SumAsync(from, rows, ct), TableCopier.SumAsync(to, rows, ct));
            checks[name] = TableCheck.Of(await source, await target);
        }
        return (IReadOnlyDictionary<string, TableCheck>)checks;
    }, ct);

    /// <summary>
    /// The tenant's events copied through <paramref name="through"/> (the catch-up's source sequence), compared on both shards while
    /// the source still serves the tenant: what <see cref="VerifyAsync"/> then need not hash again inside the freeze.
    /// </summary>
    public Task<(VerifiedEvents Verified, TableCheck Check)> VerifyHistoryAsync(string tenantId, string fromShard, string toShard, long through,
        CancellationToken ct) => InSnapshotsAsync(tenantId, fromShard, toShard, async (from, to) =>
    {
        // Every event of the tenant on the target is a copy of one through 'through': its own sequence bounds the same set there.
        await using var last = Sql.Command(to, $"select coalesce(max(seq_id), 0) from {Sql.EventsTable(store)} where tenant_id = {TenantTables.Tenant} and {EventCopy.History()}");
        var targetThrough = (long)(await last.ExecuteScalarAsync(ct))!;
        var columns = await TableCopier.ColumnsAsync(to, ct);
        var (source, target) = (TableCopier.EventsThroughAsync(from, store, columns, through, ct), TableCopier.EventsThroughAsync(to, store, columns, targetThrough, ct));
        var (s, t) = (await source, await target);
        return (new VerifiedEvents(through, targetThrough, s.Rows, s.Sum), TableCheck.Of(s, t));
    }, ct);

    // Both shards, each read in one snapshot and as the tenant (the tables' filters name it).
    private async Task<T> InSnapshotsAsync<T>(string tenantId, string fromShard, string toShard, Func<NpgsqlConnection, NpgsqlConnection, Task<T>> read,
        CancellationToken ct)
    {
        await using var from = await OpenAsync(fromShard, ct);
        await using var to = await OpenAsync(toShard, ct);
        await using var snapshot = await from.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var targetSnapshot = await to.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        foreach (var connection in new[] { from, to })
            await ForTenantAsync(connection, tenantId, ct);
        return await read(from, to);
    }

    // Events are never changed once written: the ones compared before the freeze are still there, unchanged, when each shard counts
    // exactly them plus the later ones, and only the later ones are hashed now.
    private async Task<TableCheck> LaterEventsAsync(NpgsqlConnection from, NpgsqlConnection to, IReadOnlyDictionary<string, List<TableCopier.Column>> columns,
        VerifiedEvents verified, CancellationToken ct)
    {
        var (source, target) = (TableCopier.EventsAfterAsync(from, store, columns, verified.SourceThrough, ct),
            TableCopier.EventsAfterAsync(to, store, columns, verified.TargetThrough, ct));
        var (s, t) = (await source, await target);
        var equal = s.All == t.All && s.Sum == t.Sum && s.All == verified.Rows + s.Later && t.All == verified.Rows + t.Later;
        return new TableCheck(s.All, t.All, equal);
    }

    /// <summary>
    /// Removes every row of the tenant from <paramref name="shard"/>: events and streams (Marten leaves conjoined events behind when
    /// it removes a tenant), documents and their partitions, and every feature table (outboxes, delivery logs, imports, idempotency
    /// keys, the test clock, report rows and rollups). Refused on the shard that serves the tenant.
    /// </summary>
    public async Task DeleteFromAsync(string tenantId, string shard, CancellationToken ct)
    {
        if ((await tenants.FindAsync(tenantId, ct))?.Shard == shard)
            throw new InvalidOperationException($"Tenant {tenantId} is served from shard {shard}: its rows there are not deleted.");
        await using (var connection = await OpenAsync(shard, ct))
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await ForTenantAsync(connection, tenantId, ct);
            var tables = TenantTables.All(store).Select(t => (t.Name, t.Filter))
                .Append((Sql.EventsTable(store), $"tenant_id = {TenantTables.Tenant}")).Append((Sql.StreamsTable(store), $"tenant_id = {TenantTables.Tenant}"));
            foreach (var (name, filter) in tables)
                await TableCopier.ExecuteAsync(connection, $"delete from {name} where {filter}", ct);
            await transaction.CommitAsync(ct);
        }
        await using (var connection = await OpenAsync(shard, ct))
            await TableCopier.DropPartitionsAsync(connection, tenantId, ct);
        // The copy's assignment in the throw-away registry (Marten's removal drops only the partitions of tables its store registers).
        await using var mover = MoverStore.For(store, Shard(shard));
        await mover.Advanced.RemoveTenantFromShardAsync(tenantId, ct);
    }

    private ShardLayout.Shard Shard(string name) =>
        layout.Shards.SingleOrDefault(s => s.Name == name) ?? throw new ArgumentException($"There is no shard {name}.", nameof(name));

    private async Task<IMartenDatabase> DatabaseAsync(string shard) => (await shards.FindAsync(Shard(shard).Name)).Database;

    /// <summary>A connection to a configured shard, by name (the move's steps open their shards this way too).</summary>
    public async Task<NpgsqlConnection> OpenAsync(string shard, CancellationToken ct) => await Sql.OpenDatabaseAsync(await DatabaseAsync(shard), ct);

    /// <summary>
    /// Names the tenant being moved (<see cref="TenantTables.Tenant"/>) for the rest of the connection's transaction: local to it, so
    /// that nothing of it stays on a pooled connection; UTC so that times read the same on both shards.
    /// </summary>
    internal static async Task ForTenantAsync(NpgsqlConnection connection, string tenantId, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, "select set_config('winback.move_tenant', @tenant, true), set_config('timezone', 'UTC', true)",
            ("tenant", tenantId));
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>A table's rows and checksum of one tenant on the source and the target shard.</summary>
public sealed record TableCheck(long Source, long Target, bool Equal)
{
    public static TableCheck Of((long Rows, string Sum) source, (long Rows, string Sum) target) =>
        new(source.Rows, target.Rows, source.Rows == target.Rows && source.Sum == target.Sum);
}
