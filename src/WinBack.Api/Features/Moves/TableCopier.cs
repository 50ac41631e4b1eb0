using Marten;
using Npgsql;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using static WinBack.Api.Features.Moves.TenantTables;

namespace WinBack.Api.Features.Moves;

/// <summary>The plain-SQL half of a copy: one table's rows of the tenant, source to target, and their checksums.</summary>
internal static class TableCopier
{
    /// <summary>A table's columns in order, each marked when the database numbers it (a serial key), and when it holds jsonb.</summary>
    public sealed record Column(string Name, bool Numbered, bool Json = false)
    {
        /// <summary>
        /// The column as a checksum reads it from <paramref name="alias"/>: jsonb by PostgreSQL's portable jsonb hash (the one hash
        /// partitioning uses, equal for equal documents on any server) rather than rendered to text, which is most of a checksum's cost.
        /// </summary>
        public string Compared(string alias = "") => Json ? $"jsonb_hash_extended({alias}{Quote(Name)}, 0)" : $"{alias}{Quote(Name)}";
    }

    public static async Task<IReadOnlyDictionary<string, List<Column>>> ColumnsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, """
            select table_schema || '.' || table_name as t, column_name, coalesce(column_default like 'nextval(%', false) as numbered,
                   data_type = 'jsonb' as json
            from information_schema.columns where table_schema = @schema order by 1, ordinal_position
            """, ("schema", MartenSetup.SchemaName));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var columns = new Dictionary<string, List<Column>>();
        while (await reader.ReadAsync(ct))
        {
            var table = reader.Get<string>("t");
            if (!columns.TryGetValue(table, out var list))
                columns[table] = list = [];
            list.Add(new Column(reader.Get<string>("column_name"), reader.Get<bool>("numbered"), reader.Get<bool>("json")));
        }
        return columns;
    }

    /// <summary>
    /// Deletes the tenant's rows of the table on the target and streams the source's in (binary COPY). A serial key is left to the
    /// target, whose numbers are other tenants' too, in the source's order. Replacing rather than upserting also carries deletions.
    /// </summary>
    public static async Task<long> ReplaceAsync(NpgsqlConnection from, NpgsqlConnection to, TenantTable table, IReadOnlyList<Column> columns,
        string events, CancellationToken ct)
    {
        var copied = columns.Where(c => !c.Numbered).Select(c => Quote(c.Name)).ToList();
        var list = string.Join(", ", copied);
        var numbered = columns.FirstOrDefault(c => c.Numbered) is { } n ? $"x.{Quote(n.Name)}" : "0";
        var order = numbered == "0" ? "" : $" order by {numbered}";
        var rows = $"(select * from {table.Name} where {table.Filter}) x";
        var source = string.Join(", ", copied.Select(c => $"x.{c}"));
        await ExecuteAsync(to, $"delete from {table.Name} where {table.Filter}", ct);
        if (table.SequenceColumn is not { } seq)
            await PipeAsync(from, $"select {source} from {rows} {order}", to, $"{table.Name} ({list})", ct);
        else
        {
            // The sequence travels as the event's stream and version, which the copy keeps, and lands as the target's sequence of
            // that event; a row whose event is not on the target yet waits for the next copy.
            await ExecuteAsync(to, $"""
                create temp table move_stage on commit drop as
                  select {source}, e.stream_id as m_stream, e.version as m_version, 0::bigint as m_order
                  from {rows} left join {events} e on false with no data
                """, ct);
            await PipeAsync(from, $"""
                select {source}, e.stream_id, e.version, {numbered}::bigint
                from {rows} left join {events} e on e.tenant_id = {Tenant} and e.seq_id = x.{Quote(seq)}
                """, to, "move_stage", ct);
            var remapped = copied.Select(c => c == Quote(seq) ? $"case when s.m_stream is null then s.{c} else e.seq_id end" : $"s.{c}");
            await ExecuteAsync(to, $"""
                insert into {table.Name} ({list})
                select {string.Join(", ", remapped)} from move_stage s
                left join {events} e on e.tenant_id = {Tenant} and e.stream_id = s.m_stream and e.version = s.m_version
                where s.m_stream is null or e.seq_id is not null
                order by s.m_order;
                drop table move_stage;
                """, ct);
        }
        return await RowsAsync(to, table, ct);
    }

    /// <summary>
    /// For a Marten document table: Marten gives a document a new <c>mt_version</c> on every write, and the copy keeps it, so only
    /// documents whose version differs from the target's (or that it lacks) are copied, and those gone from the source are
    /// deleted there. A delta of a large tenant then costs its keys, not its rows (the final copy runs while writes are frozen).
    /// </summary>
    public static async Task<long> SyncDocumentsAsync(NpgsqlConnection from, NpgsqlConnection to, TenantTable table, IReadOnlyList<Column> columns,
        CancellationToken ct)
    {
        var list = string.Join(", ", columns.Where(c => !c.Numbered).Select(c => Quote(c.Name)));
        await ExecuteAsync(to, $"create temp table move_keys as select id, mt_version from {table.Name} with no data", ct);
        await PipeAsync(from, $"select id, mt_version from {table.Name} where {table.Filter}", to, "move_keys (id, mt_version)", ct);
        await ExecuteAsync(to, $"""
            delete from {table.Name} t where {table.Filter} and not exists (select 1 from move_keys k where k.id = t.id);
            create temp table move_changed as select k.id from move_keys k
              where not exists (select 1 from {table.Name} t where {table.Filter} and t.id = k.id and t.mt_version = k.mt_version);
            delete from {table.Name} t where {table.Filter} and t.id in (select id from move_changed);
            """, ct);
        // The changed keys go back to the source, which streams those documents in.
        await ExecuteAsync(from, $"create temp table move_changed as select id from {table.Name} with no data", ct);
        await PipeAsync(to, "select id from move_changed", from, "move_changed (id)", ct);
        await PipeAsync(from, $"select {list} from {table.Name} x where {table.Filter} and x.id in (select id from move_changed)", to,
            $"{table.Name} ({list})", ct);
        await ExecuteAsync(from, "drop table move_changed", ct);
        await ExecuteAsync(to, "drop table move_changed; drop table move_keys", ct);
        return await RowsAsync(to, table, ct);
    }

    // The tenant's rows of the table, as a copy reports them.
    private static async Task<long> RowsAsync(NpgsqlConnection connection, TenantTable table, CancellationToken ct)
    {
        await using var count = Sql.Command(connection, $"select count(*) from {table.Name} where {table.Filter}");
        return (long)(await count.ExecuteScalarAsync(ct))!;
    }

    // Source rows straight into the target, in PostgreSQL's binary format (both shards run the same schema).
    public static async Task PipeAsync(NpgsqlConnection from, string select, NpgsqlConnection to, string into, CancellationToken ct)
    {
        await using var reader = await from.BeginRawBinaryCopyAsync($"copy ({select}) to stdout (format binary)", ct);
        await using var writer = await to.BeginRawBinaryCopyAsync($"copy {into} from stdin (format binary)", ct);
        await reader.CopyToAsync(writer, ct);
    }

    /// <summary>The statement per table that reads the tenant's rows as one line each, comparable across shards.</summary>
    public static IEnumerable<(string Name, string Rows)> Checksums(IDocumentStore store, IEnumerable<TenantTable> tables,
        IReadOnlyDictionary<string, List<Column>> columns)
    {
        var events = Sql.EventsTable(store);
        foreach (var check in EventChecksums(store, columns))
            yield return check;
        foreach (var table in tables.Where(t => t.SettledBy is not []))
        {
            // Serial keys, Marten's write stamps (a rebuilt document's differ) and sequences are the target's own.
            var compared = columns[table.Name].Where(c => !c.Numbered && c.Name is not ("mt_last_modified" or "mt_version") && c.Name != table.SequenceColumn)
                .Where(c => table.SettledBy is null || table.SettledBy.Contains(c.Name))
                .Select(c => c.Compared("x.")).ToList();
            var rows = $"(select * from {table.Name} where {table.Filter}) x";
            yield return table.SequenceColumn is { } seq
                ? (table.Name, $"select row({string.Join(", ", compared)}, e.stream_id, e.version)::text as r from {rows} " +
                               $"left join {events} e on e.tenant_id = {Tenant} and e.seq_id = x.{Quote(seq)}")
                : (table.Name, $"select row({string.Join(", ", compared)})::text as r from {rows}");
        }
    }

    private static IEnumerable<(string Name, string Rows)> EventChecksums(IDocumentStore store, IReadOnlyDictionary<string, List<Column>> columns)
    {
        var events = Sql.EventsTable(store);
        yield return (events, $"select {EventRow(events, columns)} as r from {events} where tenant_id = {Tenant} and {EventCopy.History()}");
        var streams = Sql.StreamsTable(store);
        yield return (streams, $"select row(id, version, type, is_archived)::text as r from {streams} where tenant_id = {Tenant} and {EventCopy.History("id")}");
    }

    // Every column of an event but its sequence (the body by its jsonb hash), as text: the bulk import keeps ids, bodies, types and times.
    private static string EventRow(string events, IReadOnlyDictionary<string, List<Column>> columns) =>
        $"row({string.Join(", ", columns[events].Where(c => c.Name != "seq_id").Select(c => c.Compared()))})::text";

    /// <summary>The tenant's events on one shard through <paramref name="through"/> (that shard's sequence): rows and checksum.</summary>
    public static Task<(long Rows, string Sum)> EventsThroughAsync(NpgsqlConnection connection, IDocumentStore store,
        IReadOnlyDictionary<string, List<Column>> columns, long through, CancellationToken ct)
    {
        var events = Sql.EventsTable(store);
        return SumAsync(connection, $"select {EventRow(events, columns)} as r from {events} where tenant_id = {Tenant} and {EventCopy.History()} and seq_id <= {through}", ct);
    }

    /// <summary>
    /// The tenant's events on one shard, all of them counted, and the rows and checksum of those after <paramref name="after"/> (that
    /// shard's sequence) only: one pass, in which the filter keeps the earlier rows from being turned into text and hashed.
    /// </summary>
    public static async Task<(long All, long Later, string Sum)> EventsAfterAsync(NpgsqlConnection connection, IDocumentStore store,
        IReadOnlyDictionary<string, List<Column>> columns, long after, CancellationToken ct)
    {
        var events = Sql.EventsTable(store);
        await using var command = Sql.Command(connection, $"""
            select count(*), count(*) filter (where seq_id > @after),
                   coalesce(sum(hashtextextended({EventRow(events, columns)}, 0)::numeric) filter (where seq_id > @after), 0)::text
            from {events} where tenant_id = {Tenant} and {EventCopy.History()}
            """, ("after", after));
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2));
    }

    /// <summary>
    /// Row count and a checksum that does not depend on the rows' order: the sum of each row's 64-bit hash (PostgreSQL's
    /// <c>hashtextextended</c>, the portable hash behind hash partitioning), which needs no sort of a million rows inside the freeze.
    /// </summary>
    public static async Task<(long Rows, string Sum)> SumAsync(NpgsqlConnection connection, string rows, CancellationToken ct)
    {
        await using var command = Sql.Command(connection,
            $"select count(*), coalesce(sum(hashtextextended(r, 0)::numeric), 0)::text from ({rows}) y");
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetString(1));
    }

    /// <summary>
    /// Drops the tenant's partition of every tenant-partitioned table of the schema, found in the catalog, and its row in the shard's
    /// partition registry, as Marten's removal does. Each drop locks its parent table briefly: the rows are already gone.
    /// </summary>
    public static async Task DropPartitionsAsync(NpgsqlConnection connection, string tenantId, CancellationToken ct)
    {
        var partitions = new List<string>();
        await using (var find = Sql.Command(connection, """
            select c.oid::regclass::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = @schema and c.relispartition and pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (%L)', @tenant)
            """, ("schema", MartenSetup.SchemaName), ("tenant", tenantId)))
        await using (var reader = await find.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                partitions.Add(reader.GetString(0));
        foreach (var partition in partitions)
            await ExecuteAsync(connection, $"drop table if exists {partition}", ct);
        await using var registry = Sql.Command(connection, $"delete from {MartenSetup.SchemaName}.mt_tenant_partitions where partition_value = @tenant",
            ("tenant", tenantId));
        await registry.ExecuteNonQueryAsync(ct);
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, sql);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string Quote(string column) => $"\"{column}\"";
}
