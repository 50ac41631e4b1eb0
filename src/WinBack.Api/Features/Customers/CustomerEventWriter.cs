using System.Threading.Channels;
using JasperFx;
using Marten;
using Npgsql;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Webhooks;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Features.Customers;

/// <summary>Decides a customer's next events from the stream's current state (null for a customer not seen yet).</summary>
public delegate IReadOnlyList<ICustomerEvent> CustomerDecision(Customer? current);

/// <summary>A decision for one customer stream; <see cref="DedupeId"/> set when the sender gave an activity an externalId.</summary>
[Published]
public sealed record CustomerEventWrite(string TenantId, string CustomerId, CustomerDecision Decide, string? DedupeId = null)
{
    /// <summary>
    /// An activity, deduplicated by its externalId when it has one. It closes the customer's open lapse episode
    /// when it is the first qualifying activity after the lapse.
    /// </summary>
    public static CustomerEventWrite Of(string tenantId, ActivityRecorded activity) =>
        new(tenantId, activity.CustomerId, current => [activity, .. LedgerDecider.Reactivation(current, activity)],
            activity.ExternalId is { } externalId ? ActivityDedupe.IdFor(tenantId, activity.CustomerId, externalId) : null);

    /// <summary>An event that needs no prior state (a profile update, an import).</summary>
    public static CustomerEventWrite Of(string tenantId, ICustomerEvent e) => new(tenantId, e.CustomerId, _ => [e]);
}

/// <summary>
/// What a write did: the events appended (none when the decision had nothing to do), the customer after them,
/// or, for a duplicate activity, the original.
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
public sealed class CustomerEventWriter(IDocumentStore store, OutboxWakeup wakeup, ILogger<CustomerEventWriter> logger) : BackgroundService
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

    public async Task<IReadOnlyList<CustomerEventWritten>> WriteAllAsync(IEnumerable<CustomerEventWrite> writes) =>
        await Task.WhenAll(writes.Select(WriteAsync));

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
        // An identity session: the inline projection then takes the summaries loaded below from the identity map
        // instead of loading them a second time (checked by counting the session's commands).
        await using var session = store.IdentitySession(tenantId);
        // Several processes may write the same customer: a transaction-scoped lock per customer makes the
        // second wait, then read the state the first one wrote, so none of its events is lost or decided twice.
        await session.BeginTransactionAsync(CancellationToken.None);
        var customerIds = items.Select(p => p.Write.CustomerId).Distinct().Order(StringComparer.Ordinal).ToArray();
        await TransactionLocks.TakeAsync(session, customerIds.Select(id => LockKeys.Customer(tenantId, id)).ToList(), CancellationToken.None);
        var current = (await session.LoadManyAsync<CustomerSummary>(customerIds)).ToDictionary(c => c.Id);
        var dedupeIds = items.Select(p => p.Write.DedupeId).OfType<string>().Distinct().ToArray();
        var seen = dedupeIds.Length == 0
            ? new Dictionary<string, ActivityRecorded>()
            : (await session.LoadManyAsync<ActivityDedupe>(dedupeIds)).ToDictionary(d => d.Id, d => d.Activity);

        var streams = new Dictionary<string, (Customer? State, long Version, List<ICustomerEvent> Events)>();
        var outcomes = new Outcome[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var write = items[i].Write;
            if (!streams.TryGetValue(write.CustomerId, out var stream))
                stream = current.TryGetValue(write.CustomerId, out var summary) ? (summary.State, summary.Version, []) : (null, 0, []);
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
                state = events.Aggregate(stream.State, (s, e) => Customer.Evolve(s, e));
            }
            catch (DomainRuleViolated refused)
            {
                outcomes[i] = new Outcome(null, refused);
                continue;
            }
            if (write.DedupeId is { } newId)
            {
                var activity = events.OfType<ActivityRecorded>().First();
                session.Insert(new ActivityDedupe { Id = newId, Activity = activity });
                seen[newId] = activity;
            }
            streams[write.CustomerId] = (state, stream.Version, [.. stream.Events, .. events]);
            outcomes[i] = new Outcome(new CustomerEventWritten(events, state), null);
        }
        foreach (var (customerId, stream) in streams.Where(s => s.Value.Events.Count > 0))
        {
            var events = stream.Events.Cast<object>().ToArray();
            if (!current.ContainsKey(customerId))
                session.Events.StartStream(customerId, events);
            else if (stream.Version > 0)
                // The expected version after the append: a write that slipped past the lock fails the batch instead of interleaving.
                session.Events.Append(customerId, stream.Version + stream.Events.Count, events);
            else
                // A summary stored before summaries recorded their version: the lock alone guards this one write,
                // after which the summary carries its version.
                session.Events.Append(customerId, events);
        }
        await session.SaveChangesAsync(CancellationToken.None);
        if (streams.Values.Any(s => s.Events.Any(e => WebhookEventTypes.Of(e) is not null)))
            wakeup.Wake(); // webhooks and Stripe pushes start now rather than at the daemon's next poll
        return outcomes;
    }

    /// <summary>A write's result: what it did, or the domain rule that refused it.</summary>
    private sealed record Outcome(CustomerEventWritten? Written, DomainRuleViolated? Refused);

    private sealed record Pending(CustomerEventWrite Write)
    {
        public TaskCompletionSource<CustomerEventWritten> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
