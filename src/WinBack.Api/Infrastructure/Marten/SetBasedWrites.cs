using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events;
using Npgsql;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Infrastructure.Marten;

/// <summary>
/// Appends the events of many streams of one tenant as ONE statement, queued on the group commit's transaction
/// (<see cref="OneTripCommit"/>): it commits or rolls back with the transaction's other work and its fence guard. Marten's
/// quick append is a PL/pgSQL call per stream (three reads of mt_streams, an insert per event, an update); in a group commit
/// it was most of PostgreSQL's time per activity (docs/benchmarks.md, "#16 set-based writes").
/// <para>
/// The rows are the ones Marten's quick append writes: mt_streams (the version after the append; a new stream with no type, as
/// Marten writes customer streams) and mt_events (seq_id from the store's event sequence, id, stream_id, version, data, type,
/// tenant_id, timestamp, mt_dotnet_type), so that every reader (FetchStream, the daemon, moves, rebuilds) reads them as its own.
/// Concurrency is Marten's too: the events' (tenant, stream, version) key is unique, so an append decided on a stale version
/// collides with the event already there and the whole transaction fails with a unique violation.
/// </para>
/// <para>
/// Not for events an inline projection handles (Marten must see them to run it) nor for tenant-partitioned events (each tenant
/// draws its sequence numbers from a sequence of its own): <see cref="CanAppend"/> says so, and the caller appends through Marten.
/// </para>
/// </summary>
public sealed class SetBasedWrites
{
    private const char Placeholder = '^';
    private readonly ISerializer _serializer;
    private readonly EventGraph _events;
    private readonly HashSet<Type> _inlineProjected;
    private readonly bool _enabled;
    private readonly string _appendSql;

    public SetBasedWrites(IDocumentStore store)
    {
        var options = (StoreOptions)store.Options;
        _serializer = options.Serializer();
        _events = (EventGraph)options.Events;
        var inline = options.Projections.All.Where(p => p.Lifecycle == ProjectionLifecycle.Inline).ToList();
        // A projection that does not list its event types could handle any of them: then nothing is appended here.
        _enabled = !_events.UseTenantPartitionedEvents && inline.All(p => p is ProjectionBase);
        _inlineProjected = inline.OfType<ProjectionBase>().SelectMany(p => p.IncludedEventTypes).ToHashSet();
        var streams = Sql.StreamsTable(store);
        _appendSql = $"""
            with streams as (
              insert into {streams} as s (tenant_id, id, type, version, timestamp)
              select ^, u.id, null, u.version, now() from unnest(^::text[], ^::bigint[]) as u(id, version)
              on conflict (tenant_id, id) do update set version = greatest(s.version, excluded.version), timestamp = now()
              returning 1)
            insert into {Sql.EventsTable(store)} (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived)
            select nextval('{Sql.EventSequence(store)}'), u.id, u.stream_id, u.version, u.data::jsonb, u.type, ^, now(), u.dotnet_type, false
            from unnest(^::uuid[], ^::text[], ^::bigint[], ^::text[], ^::text[], ^::text[]) with ordinality as u(id, stream_id, version, data, type, dotnet_type, n)
            order by u.n
            """;
    }

    /// <summary>The fill factor of Marten's streams table (<see cref="LeaveRoomInStreamsAsync"/>).</summary>
    public const int StreamsFillFactor = 80;

    /// <summary>
    /// A shard upgrade (<see cref="Sharding.ShardUpgrade"/>): Marten's streams table leaves a fifth of each page free, so that
    /// the version an append writes on the stream's row can stay on its page (a HOT update: no new index entry, no page taken
    /// from the end of the table). Marten creates the table full to the brim and does not undo the setting; pages written
    /// before it keep their rows until they move. Run once per shard; later starts only read the setting. With tenant-partitioned
    /// events the table is partitioned, which PostgreSQL gives no fill factor (its partitions, made per tenant by Marten, keep
    /// the default): left as it is.
    /// </summary>
    public static async Task LeaveRoomInStreamsAsync(NpgsqlConnection connection, IDocumentStore store, CancellationToken ct)
    {
        var streams = Sql.StreamsTable(store);
        await using var read = Sql.Command(connection,
            "select relkind = 'p' or coalesce(reloptions @> array[@option], false) from pg_class where oid = @table::regclass",
            ("table", streams), ("option", $"fillfactor={StreamsFillFactor}"));
        if ((bool)(await read.ExecuteScalarAsync(ct))!)
            return;
        await using var alter = Sql.Command(connection, $"alter table {streams} set (fillfactor = {StreamsFillFactor})");
        await alter.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Whether these events may be appended here: no inline projection needs to see any of them.</summary>
    public bool CanAppend(IEnumerable<object> events) =>
        _enabled && events.All(e => !_inlineProjected.Any(t => t.IsInstanceOfType(e)));

    /// <summary>Collects the appends of one tenant's streams; <see cref="StreamAppends.Statement"/> makes them one statement.</summary>
    public StreamAppends Appends() => new(this);

    public sealed class StreamAppends(SetBasedWrites writes)
    {
        private readonly List<string> _streamIds = [];
        private readonly List<long> _streamVersions = [];
        private readonly List<string> _eventStreams = [];
        private readonly List<long> _versions = [];
        private readonly List<string> _data = [];
        private readonly List<string> _types = [];
        private readonly List<string> _dotnetTypes = [];

        /// <summary>The events added, in order.</summary>
        public List<object> Events { get; } = [];

        /// <summary>Whether these events may be appended here (<see cref="SetBasedWrites.CanAppend"/>).</summary>
        public bool CanAppend(IEnumerable<object> events) => writes.CanAppend(events);

        /// <summary>Events to append after <paramref name="version"/> (0: a new stream), in order.</summary>
        public void Add(string streamId, long version, IReadOnlyList<object> events)
        {
            _streamIds.Add(streamId);
            _streamVersions.Add(version + events.Count);
            Events.AddRange(events);
            foreach (var e in events)
            {
                var mapping = writes._events.EventMappingFor(e.GetType());
                _eventStreams.Add(streamId);
                _versions.Add(++version);
                _data.Add(writes._serializer.ToJson(e));
                _types.Add(mapping.EventTypeName);
                _dotnetTypes.Add(mapping.DotNetTypeName);
            }
        }

        /// <summary>The append of every stream added, as one statement of the tenant's transaction (null: nothing to append).</summary>
        public NpgsqlBatchCommand? Statement(string tenantId) => _eventStreams.Count == 0 ? null
            : Sql.Statement(Placeholder, writes._appendSql, tenantId, _streamIds.ToArray(), _streamVersions.ToArray(), tenantId,
                Uuids.Version7(_eventStreams.Count), _eventStreams.ToArray(), _versions.ToArray(), _data.ToArray(), _types.ToArray(), _dotnetTypes.ToArray());
    }
}
