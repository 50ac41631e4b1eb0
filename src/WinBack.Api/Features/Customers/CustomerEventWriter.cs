using System.Threading.Channels;
using JasperFx;
using Marten;
using Npgsql;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Telemetry;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Tenants;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Features.Customers;

/// <summary>Decides a customer's next events from the stream's current state (null for a customer not seen yet).</summary>
public delegate IReadOnlyList<ICustomerEvent> CustomerDecision(Customer? current);

/// <summary>A decision for one customer stream; <see cref="DedupeId"/> set when the sender gave an activity an externalId.</summary>
[Published]
public sealed record CustomerEventWrite(string TenantId, string CustomerId, CustomerDecision Decide, string? DedupeId = null)
{
    /// <summary>
    /// Whether the decision, or the fold of what it decides, needs the customer's history (rewards, episodes) on top of
    /// the hot state it is given; unless a write says otherwise, it does.
    /// </summary>
    public Func<Customer?, bool> NeedsHistory { get; init; } = _ => true;

    /// <summary>
    /// An activity, deduplicated by its externalId when it has one. It closes the customer's open lapse episode
    /// when it is the first qualifying activity after the lapse; only then, or when it falls in an episode's
    /// attribution window, does it read the customer's history (and only then is a purchase stored as one that reports count).
    /// </summary>
    public static CustomerEventWrite Of(string tenantId, ActivityRecorded activity) =>
        new(tenantId, activity.CustomerId, current => CustomerDecider.Record(current, activity),
            activity.ExternalId is { } externalId ? ActivityDedupe.IdFor(tenantId, activity.CustomerId, externalId) : null)
        {
            NeedsHistory = current => current?.Episode is not null || Customer.TouchesHistory(current, activity),
        };

    /// <summary>An event that needs no prior state (a profile update, an import).</summary>
    public static CustomerEventWrite Of(string tenantId, ICustomerEvent e) =>
        new(tenantId, e.CustomerId, _ => [e]) { NeedsHistory = current => Customer.TouchesHistory(current, e) };
}

/// <summary>
/// What a write did: the events appended (none when the decision had nothing to do), the customer after them
/// (with the history only when the write needed it), or, for a duplicate activity, the original.
/// </summary>
public sealed record CustomerEventWritten(IReadOnlyList<ICustomerEvent> Events, Customer? Customer, ActivityRecorded? Original = null)
{
    public bool Duplicate => Original is not null;

    /// <summary>The activity of an activity write: the one appended, or the original of a duplicate.</summary>
    public ActivityRecorded Activity => Original ?? Events.OfType<ActivityRecorded>().First();
}

/// <summary>
/// The one way events reach customer streams: group commit. Concurrent writes queue here; a few loops
/// commit whatever has gathered, one transaction per tenant, and only then acknowledge each write.
/// Each decision runs inside that transaction, under the customer's lock, on the state the stream has
/// then, and the append states the version it decided on (optimistic concurrency): two sweeps, or a
/// sweep and a redemption, can never both act on the same state. A failed batch is retried item by
/// item, so one bad write never fails the others; a decision that refuses (a domain rule) fails only
/// its own write. Each customer always goes to the same loop, so a stream is never in two in-flight
/// transactions of this process, while the loops together keep more than one PostgreSQL core busy.
/// </summary>
[Published]
public sealed class CustomerEventWriter(
    IDocumentStore store, SetBasedWrites setBased, DocumentRows documents, OutboxWakeup wakeup, WinBackMetrics metrics, ILogger<CustomerEventWriter> logger) : BackgroundService
{
    private const int MaxBatch = 1000;
    private const int MaxAttempts = 3;
    private static readonly int PartitionCount = Math.Max(2, Environment.ProcessorCount);
    private readonly Channel<Pending>[] _partitions = Enumerable.Range(0, PartitionCount)
        .Select(_ => Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true }))
        .ToArray();

    public Task<CustomerEventWritten> WriteAsync(CustomerEventWrite write)
    {
        var pending = new Pending(write);
        var partition = (uint)HashCode.Combine(write.TenantId, write.CustomerId) % (uint)PartitionCount;
        if (!_partitions[partition].Writer.TryWrite(pending))
            throw new InvalidOperationException("The customer event writer has stopped.");
        return pending.Done.Task;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_partitions.Select(p => Task.Run(() => RunAsync(p.Reader))));

    // On shutdown the queues are completed and drained before the loops end: no accepted write is dropped.
    private async Task RunAsync(ChannelReader<Pending> queue)
    {
        var batch = new List<Pending>(MaxBatch);
        while (await queue.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && queue.TryRead(out var next))
                batch.Add(next);
            foreach (var tenant in batch.GroupBy(p => p.Write.TenantId))
                await CommitAsync(tenant.Key, tenant.ToList());
            batch.Clear();
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var partition in _partitions)
            partition.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    private async Task CommitAsync(string tenantId, List<Pending> items, int attempt = 1)
    {
        try
        {
            var outcomes = await AppendAsync(tenantId, items);
            for (var i = 0; i < items.Count; i++)
            {
                if (outcomes[i].Refused is { } refused)
                    items[i].Done.TrySetException(refused);
                else
                    items[i].Done.TrySetResult(outcomes[i].Written!);
            }
        }
        catch (Exception e) when (items.Count > 1)
        {
            logger.LogWarning(e, "Group commit of {Count} customer events failed; retrying them one by one", items.Count);
            foreach (var item in items)
                await CommitAsync(tenantId, [item]);
        }
        catch (Exception e) when (attempt < MaxAttempts && IsTransient(e))
        {
            await Task.Delay(10 * attempt);
            await CommitAsync(tenantId, items, attempt + 1);
        }
        catch (Exception e)
        {
            items[0].Done.TrySetException(e);
        }
    }

    // A deadlock between two processes' locks, or a stream changed by a writer that did not take the lock:
    // the retry decides again on the state the stream has now.
    private static bool IsTransient(Exception e) =>
        e is ConcurrencyException or JasperFx.Events.EventStreamUnexpectedMaxEventIdException or Marten.Exceptions.ExistingStreamIdCollisionException ||
        (e as PostgresException ?? e.InnerException as PostgresException) is { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected };

    private async Task<Outcome[]> AppendAsync(string tenantId, List<Pending> items)
    {
        // Two round trips (three when a write needs the history): the locks and reads, then the writes with their COMMIT.
        var group = await OneTripCommit.RunAsync(store, tenantId, transaction => DecideAsync(transaction, items), CancellationToken.None);
        EventMetrics.Count(metrics, group.Appended); // Marten's listener counts only the events Marten appended
        if (group.WakesOutbox)
            wakeup.Wake(); // webhooks and Stripe pushes start now rather than at the daemon's next poll
        return group.Outcomes;
    }

    /// <summary>Reads the group's customers, decides each write and queues what to store; the caller commits.</summary>
    private async Task<Group> DecideAsync(OneTripCommit transaction, List<Pending> items)
    {
        var tenantId = transaction.TenantId;
        // Several processes may write the same customer: a transaction-scoped lock per customer makes the
        // second wait, then read the state the first one wrote, so none of its events is lost or decided twice.
        // The lock and the reads go in one round trip; each statement reads after the one before it has finished.
        var customerIds = items.Select(p => p.Write.CustomerId).Distinct().Order(StringComparer.Ordinal).ToArray();
        var dedupeIds = items.Select(p => p.Write.DedupeId).OfType<string>().Distinct().ToArray();
        var reads = new ReadBatch();
        reads.Run(TransactionLocks.Statement(customerIds.Select(id => LockKeys.Customer(tenantId, id)).ToList()));
        var summaries = reads.Rows(CustomerSummaryTable.SelectByIdsStatement(tenantId, customerIds), r => CustomerSummaryTable.Read(store, r));
        var dedupes = dedupeIds.Length == 0 ? [] : reads.Rows(documents.SelectByIds<ActivityDedupe>(tenantId, dedupeIds), documents.Read<ActivityDedupe>);
        // The tenant's time zone, whose local days activities are counted on for signal rules: read in the same round trip.
        var settings = reads.Rows(documents.SelectByIds<TenantSettings>(tenantId, [TenantSettings.DocumentId]), documents.Read<TenantSettings>);
        await transaction.ReadAsync(reads, CancellationToken.None);
        var zone = TenantTimeZone.Of(settings.SingleOrDefault()?.TimeZone);
        var streams = summaries.ToDictionary(c => c.Id, c => new Stream(c));
        var seen = dedupes.ToDictionary(d => d.Id, d => d.Activity);

        // The history (rewards, episodes) is read only for the customers whose writes need it, and the version of a summary
        // stored before summaries recorded theirs (rare; under the lock) from its stream: both in one more round trip.
        var needHistory = items.Where(p => p.Write.NeedsHistory(streams.GetValueOrDefault(p.Write.CustomerId)?.State))
            .Select(p => p.Write.CustomerId).Where(streams.ContainsKey).Distinct().ToArray();
        var legacy = streams.Values.Where(s => s.Version == 0).Select(s => s.Id).ToArray();
        if (needHistory.Length + legacy.Length > 0)
        {
            var more = new ReadBatch();
            var read = more.Rows(documents.SelectByIds<CustomerHistory>(tenantId, needHistory), documents.Read<CustomerHistory>);
            var versions = more.Rows(StreamVersions(tenantId, legacy), r => (Id: r.GetString(0), Version: r.GetInt64(1)));
            await transaction.ReadAsync(more, CancellationToken.None);
            foreach (var history in read)
                streams[history.Id].Read(history);
            foreach (var (id, version) in versions)
                streams[id].Version = version;
        }
        foreach (var id in needHistory)
            streams[id].HistoryRead = true;

        var outcomes = new Outcome[items.Count];
        var newDedupes = new List<ActivityDedupe>();
        for (var i = 0; i < items.Count; i++)
        {
            var write = items[i].Write;
            var stream = streams.TryGetValue(write.CustomerId, out var known) ? known : streams[write.CustomerId] = new Stream(write.CustomerId);
            if (write.DedupeId is { } dedupeId && seen.TryGetValue(dedupeId, out var original))
            {
                outcomes[i] = new Outcome(new CustomerEventWritten([], stream.State, original), null);
                continue;
            }
            IReadOnlyList<ICustomerEvent> events;
            Customer? state;
            try
            {
                events = write.Decide(stream.State);
                // Folding refuses too: a sum that would leave the 64-bit range fails only this write.
                state = stream.Fold(events, zone);
            }
            catch (DomainRuleViolated refused)
            {
                outcomes[i] = new Outcome(null, refused);
                continue;
            }
            if (write.DedupeId is { } newId)
            {
                var activity = events.OfType<ActivityRecorded>().First();
                newDedupes.Add(new ActivityDedupe { Id = newId, Activity = activity });
                seen[newId] = activity;
            }
            stream.Events.AddRange(events);
            stream.State = state;
            outcomes[i] = new Outcome(new CustomerEventWritten(events, state), null);
        }
        // The appends of the whole group go as one statement (SetBasedWrites), and so do the hot states (CustomerSummaryTable),
        // the histories that changed and the new dedupe records; a stream with an event an inline projection handles goes
        // through Marten's own append, which runs the projection.
        var appends = setBased.Appends();
        var changedHistories = new List<CustomerHistory>();
        var states = streams.Values.Where(s => s.Events.Count > 0).Select(s => s.Store(transaction, appends, changedHistories)).ToList();
        transaction.Queue(appends.Statement(tenantId));
        transaction.Queue(CustomerSummaryTable.UpsertStatement(store, tenantId, states));
        transaction.Queue(documents.Upsert(tenantId, changedHistories));
        transaction.Queue(documents.Insert(tenantId, newDedupes));
        return new Group(outcomes, appends.Events, streams.Values.Any(s => s.Events.Any(e => WebhookEventTypes.Of(e) is not null)));
    }

    private NpgsqlBatchCommand StreamVersions(string tenantId, string[] streamIds) =>
        Sql.Statement('^', $"select id, version from {Sql.StreamsTable(store)} where tenant_id = ^ and id = any(^::text[])", tenantId, streamIds);

    /// <summary>A group's outcomes, the events the set-based append writes, and whether a published event is among them.</summary>
    private sealed record Group(Outcome[] Outcomes, IEnumerable<object> Appended, bool WakesOutbox);

    /// <summary>One customer's stream in a group commit: the state decided on, and the events to append after its version.</summary>
    private sealed class Stream
    {
        private readonly CustomerSummary? _stored;
        private IReadOnlyList<RewardState> _rewardsRead = [];
        private IReadOnlyList<EpisodeFacts> _episodesRead = [];

        public Stream(string customerId) => (Id, HistoryRead) = (customerId, true);

        public Stream(CustomerSummary stored)
        {
            (Id, _stored, State, Version) = (stored.Id, stored, stored.State, stored.Version);
            // A summary stored before the split carries its history in its state; the write moves it to its own document.
            HistoryRead = stored.State.Rewards.Count > 0 || stored.State.Episodes.Count > 0;
        }

        public string Id { get; }
        public Customer? State { get; set; }
        public long Version { get; set; }
        public bool HistoryRead { get; set; }
        public List<ICustomerEvent> Events { get; } = [];

        public void Read(CustomerHistory history)
        {
            State = State!.WithHistory(history.Rewards, history.Episodes);
            (_rewardsRead, _episodesRead) = (history.Rewards, history.Episodes);
        }

        public Customer? Fold(IReadOnlyList<ICustomerEvent> events, TimeZoneInfo zone) => events.Aggregate(State, (s, e) =>
            HistoryRead || !Customer.TouchesHistory(s, e)
                ? Customer.Evolve(s, e, zone)
                : throw new InvalidOperationException($"{e.GetType().Name} changes the history of customer {Id}, which this write did not read."));

        /// <summary>Queues the append, adds the history to <paramref name="histories"/> when it changed; returns the hot state to store.</summary>
        public CustomerSummary Store(OneTripCommit transaction, SetBasedWrites.StreamAppends appends, List<CustomerHistory> histories)
        {
            var events = Events.Cast<object>().ToArray();
            // Either way the append states the version it decided on: a write that slipped past the lock fails the batch
            // instead of interleaving.
            if (appends.CanAppend(events))
                appends.Add(Id, Version, events);
            else if (_stored is null)
                transaction.Session.Events.StartStream(Id, events);
            else
                transaction.Session.Events.Append(Id, Version + events.Length, events);
            var state = State!;
            if (HistoryRead && (Changed(state.Rewards, _rewardsRead) || Changed(state.Episodes, _episodesRead)))
                histories.Add(new CustomerHistory { Id = Id, Rewards = state.Rewards, Episodes = state.Episodes });
            return new CustomerSummary
            {
                Id = Id, State = state.WithoutHistory(), Version = Version + events.Length,
                Balance = HistoryRead ? state.Balance : _stored?.Balance,
            };
        }

        // Evolve returns the same list when an event leaves it alone.
        private static bool Changed<T>(IReadOnlyList<T> now, IReadOnlyList<T> read) => !ReferenceEquals(now, read) && now.Count + read.Count > 0;
    }

    /// <summary>A write's result: what it did, or the domain rule that refused it.</summary>
    private sealed record Outcome(CustomerEventWritten? Written, DomainRuleViolated? Refused);

    private sealed record Pending(CustomerEventWrite Write)
    {
        public TaskCompletionSource<CustomerEventWritten> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
