using System.Runtime.CompilerServices;
using JasperFx.Events;
using Marten;
using Marten.Events;
using Marten.Storage;
using Npgsql;
using WinBack.Api.Infrastructure.Postgres;
using SessionOptions = Marten.Services.SessionOptions;

namespace WinBack.Api.Features.Moves;

/// <summary>
/// Copies a tenant's event streams to another shard with Marten's bulk import, keeping stream ids and versions; the target
/// gives them sequences of its own (conjoined events: the source's are taken there by other tenants). Each stream gets what
/// the target lacks after its highest version there, so a re-run after a crash at any point neither loses nor doubles an event.
/// </summary>
internal static class EventCopy
{
    private const int PageSize = 5000;

    /// <summary>
    /// Marten's stream of tombstones: placeholders it appends, with the session's tenant, for the sequences of a transaction that
    /// failed (so that the high-water mark need not wait for them). They are no one's history: never copied, compared or waited for.
    /// </summary>
    public const string Tombstones = "mt_tombstone";

    /// <summary>SQL condition: the event row (alias optional) is part of the tenant's history, not a tombstone.</summary>
    public static string History(string column = "stream_id") => $"{column} <> '{Tombstones}'";

    /// <summary>What a copy brought; <see cref="Through"/> is the source sequence it reached, after which a delta starts.</summary>
    public sealed record Result(long Through, int Events, int NewStreams);

    public static async Task<Result> CopyAsync(IDocumentStore store, DocumentStore mover, IMartenDatabase source, string tenantId, long? since,
        NpgsqlConnection from, NpgsqlConnection to, CancellationToken ct)
    {
        var events = Sql.EventsTable(store);
        var streams = Sql.StreamsTable(store);
        // Fixed first: events appended meanwhile are the next delta's, and their headers are not taken now either. No further than the
        // shard's high-water mark: a sequence below it may belong to a transaction that commits later, which a delta starting after
        // it would never see. (Frozen, the move waits for the outboxes to pass the tenant's last event, so the mark is past it.)
        var through = await ScalarAsync(from, $"""
            select least(coalesce(max(seq_id), 0),
              coalesce((select last_seq_id from {Sql.EventProgressionTable(store)} where name = 'HighWaterMark'), 0))
            from {events} where tenant_id = @tenant and {History()}
            """, tenantId, ct);
        var after = since ?? 0;
        // A delta looks at the streams it touches only: a large tenant's every stream would be read twice inside the freeze.
        var delta = since is null ? null : await DeltaAsync(from, events, tenantId, after, through, ct);
        var touched = delta?.Streams;
        string Among(string column) => touched is null ? "" : $" and {column} = any(@streams)";
        var onTarget = await VersionsAsync(to, $"select stream_id, max(version) from {events} where tenant_id = @tenant and {History()}{Among("stream_id")} group by stream_id",
            tenantId, touched, ct);
        var streamsOnTarget = (await VersionsAsync(to, $"select id, version from {streams} where tenant_id = @tenant and {History("id")}{Among("id")}",
            tenantId, touched, ct)).Keys.ToHashSet();
        // A header is a plain insert (a second one for a stream fails the import): only for streams new to the target.
        var headers = (await HeadersAsync(from, streams, events, tenantId, after, through, ct)).Where(h => !streamsOnTarget.Contains(h.Key!)).ToList();
        var copied = 0;
        async IAsyncEnumerable<IEvent> Counted()
        {
            await foreach (var e in ReadAsync(store, source, tenantId, after, through, onTarget, ct))
            {
                copied++;
                yield return e;
            }
        }
        await mover.BulkInsertEventStreamAsync(tenantId, headers, Counted(), BulkEventSequenceMode.AssignFromSequence,
            delta?.Batch ?? 1000, ct);
        // The import leaves an existing stream's version as it was; a live append would then collide (spike 2c). Also after a
        // crash between the import and this statement: it is run on every copy.
        await using (var fix = Sql.Command(to, $"""
            update {streams} s set version = m.version
            from (select stream_id, max(version) as version from {events} where tenant_id = @tenant{Among("stream_id")} group by stream_id) m
            where s.tenant_id = @tenant and s.id = m.stream_id and s.version <> m.version
            """, [("tenant", tenantId), .. touched is null ? Array.Empty<(string, object?)>() : [("streams", touched)]]))
            await fix.ExecuteNonQueryAsync(ct);
        return new Result(Math.Max(through, after), copied, headers.Count);
    }

    // Paged by sequence, so a large tenant is never held in memory, and filtered by what each stream already has on the target.
    private static async IAsyncEnumerable<IEvent> ReadAsync(IDocumentStore store, IMartenDatabase source, string tenantId, long after, long through,
        IReadOnlyDictionary<string, long> onTarget, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var session = store.QuerySession(SessionOptions.ForDatabase(tenantId, source));
        while (true)
        {
            var from = after;
            var page = await session.Events.QueryAllRawEvents()
                .Where(e => e.TenantId == tenantId && e.Sequence > from && e.Sequence <= through)
                .OrderBy(e => e.Sequence).Take(PageSize).ToListAsync(ct);
            // Read before the events go out: the import gives each one the target's sequence, in the same object.
            var last = page.Count > 0 ? page[^1].Sequence : after;
            foreach (var e in page.Where(e => e.StreamKey != Tombstones && e.Version > onTarget.GetValueOrDefault(e.StreamKey!)))
                yield return e;
            if (page.Count < PageSize)
                yield break;
            after = last;
        }
    }

    private static async Task<List<BulkEventStreamHeader>> HeadersAsync(NpgsqlConnection from, string streams, string events, string tenantId,
        long after, long through, CancellationToken ct)
    {
        await using var command = Sql.Command(from, $"""
            select s.id, s.version, s.type, s.is_archived from {streams} s
            where s.tenant_id = @tenant and {History("s.id")} and s.id in (select e.stream_id from {events} e where e.tenant_id = @tenant
              and e.seq_id > @after and e.seq_id <= @through)
            """, ("tenant", tenantId), ("after", after), ("through", through));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var headers = new List<BulkEventStreamHeader>();
        while (await reader.ReadAsync(ct))
            headers.Add(new BulkEventStreamHeader
            {
                Key = reader.Get<string>("id"), Version = reader.Get<long>("version"), AggregateTypeName = reader.StringOrNull("type"),
                IsArchived = reader.Get<bool>("is_archived"),
            });
        return headers;
    }

    /// <summary>A delta's streams, and the import batch it goes in.</summary>
    /// <param name="Batch">
    /// The import takes a block of sequence numbers per batch on the target; numbers it leaves unused hold the target's
    /// high-water mark back for seconds (until its daemon skips the gap). A delta (the final copy, while the tenant's writes are
    /// frozen, whose events the target's report projection must read before the move is verified) goes in one batch of exactly
    /// its size, up to 10,000 events.
    /// </param>
    private sealed record Delta(string[] Streams, int Batch);

    // The tenant's events in the range (tombstones aside), read once: which streams they touch, and how many there are.
    private static async Task<Delta> DeltaAsync(NpgsqlConnection from, string events, string tenantId, long after, long through, CancellationToken ct)
    {
        await using var command = Sql.Command(from, $"""
            select coalesce(array_agg(distinct stream_id), array[]::text[]) as streams, count(*) as events from {events}
            where tenant_id = @tenant and seq_id > @after and seq_id <= @through and {History()}
            """, ("tenant", tenantId), ("after", after), ("through", through));
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new Delta(reader.Get<string[]>("streams"), (int)Math.Clamp(reader.Get<long>("events"), 1, 10_000));
    }

    private static async Task<Dictionary<string, long>> VersionsAsync(NpgsqlConnection connection, string sql, string tenantId, string[]? streams,
        CancellationToken ct)
    {
        await using var command = Sql.Command(connection, sql, [("tenant", tenantId), .. streams is null ? Array.Empty<(string, object?)>() : [("streams", streams)]]);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var versions = new Dictionary<string, long>();
        while (await reader.ReadAsync(ct))
            versions[reader.GetString(0)] = reader.GetInt64(1);
        return versions;
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql, string tenantId, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, sql, ("tenant", tenantId));
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
