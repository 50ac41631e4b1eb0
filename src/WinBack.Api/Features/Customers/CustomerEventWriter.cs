using System.Threading.Channels;
using JasperFx;
using Marten;
using Npgsql;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

/// <summary>An event for one customer stream; <see cref="DedupeId"/> set when the sender gave an externalId.</summary>
public sealed record CustomerEventWrite(string TenantId, string CustomerId, object Event, string? DedupeId = null)
{
    /// <summary>An activity, deduplicated by its externalId when it has one.</summary>
    public static CustomerEventWrite Of(string tenantId, ActivityRecorded activity) =>
        new(tenantId, activity.CustomerId, activity,
            activity.ExternalId is { } externalId ? ActivityDedupe.IdFor(tenantId, activity.CustomerId, externalId) : null);
}

/// <summary>What happened to a write: appended, or a duplicate of <see cref="Original"/>.</summary>
public sealed record CustomerEventWritten(object Event, bool Duplicate)
{
    public ActivityRecorded? Original => Duplicate ? Event as ActivityRecorded : null;
}

/// <summary>
/// The one way events reach customer streams: group commit. Concurrent writes queue here; a few loops
/// commit whatever has gathered, one transaction per tenant, and only then acknowledge each write.
/// A failed batch is retried item by item, so one bad write never fails the others. Each customer
/// always goes to the same loop, so a stream is never in two in-flight transactions of this process,
/// while the loops together keep more than one PostgreSQL core busy.
/// </summary>
public sealed class CustomerEventWriter(IDocumentStore store, ILogger<CustomerEventWriter> logger) : BackgroundService
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
            var results = await AppendAsync(tenantId, items);
            for (var i = 0; i < items.Count; i++)
                items[i].Done.TrySetResult(results[i]);
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

    // A deadlock between two processes' locks, or a stream created by another process in the same instant.
    private static bool IsTransient(Exception e) =>
        e is ConcurrencyException ||
        (e as PostgresException ?? e.InnerException as PostgresException) is { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected };

    private async Task<CustomerEventWritten[]> AppendAsync(string tenantId, List<Pending> items)
    {
        await using var session = store.LightweightSession(tenantId);
        // Several API processes may write the same customer: a transaction-scoped lock per customer
        // makes the second wait, then load the summary the first one wrote, so none of its events is lost.
        await session.BeginTransactionAsync(CancellationToken.None);
        var lockKeys = items.Select(p => $"{tenantId}/{p.Write.CustomerId}").Distinct().Order(StringComparer.Ordinal).ToArray();
        await session.QueryAsync<long>("select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest(?) as k",
            CancellationToken.None, [lockKeys]);
        var dedupeIds = items.Select(p => p.Write.DedupeId).OfType<string>().Distinct().ToArray();
        var seen = dedupeIds.Length == 0
            ? new Dictionary<string, ActivityRecorded>()
            : (await session.LoadManyAsync<ActivityDedupe>(dedupeIds)).ToDictionary(d => d.Id, d => d.Activity);

        var results = new CustomerEventWritten[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var write = items[i].Write;
            if (write.DedupeId is { } dedupeId)
            {
                if (seen.TryGetValue(dedupeId, out var original))
                {
                    results[i] = new CustomerEventWritten(original, Duplicate: true);
                    continue;
                }
                var activity = (ActivityRecorded)write.Event;
                session.Insert(new ActivityDedupe { Id = dedupeId, Activity = activity });
                seen[dedupeId] = activity;
            }
            session.Events.Append(write.CustomerId, write.Event);
            results[i] = new CustomerEventWritten(write.Event, Duplicate: false);
        }
        await session.SaveChangesAsync(CancellationToken.None);
        return results;
    }

    private sealed record Pending(CustomerEventWrite Write)
    {
        public TaskCompletionSource<CustomerEventWritten> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
