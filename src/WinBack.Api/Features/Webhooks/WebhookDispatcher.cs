using System.Collections.Concurrent;
using System.Threading.Channels;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Sharding;
using WinBack.Api.Infrastructure.Telemetry;

namespace WinBack.Api.Features.Webhooks;

/// <summary>
/// Sends the outbox (worker role). Each round deals due deliveries round the tenants, each up to its share
/// (MaxInFlightPerTenant, and MaxInFlightPerEndpoint per endpoint) of MaxInFlight attempts at once, so that a tenant
/// whose receivers are slow or flooded holds only its own share. Each delivery is its own unit: whatever its attempt
/// comes to, a timeout, a refusal or an exception of WinBack's own, is recorded as that delivery's attempt (retried on
/// the schedule, then failed with its reason) and never stops the loop. Outcomes are recorded in batches.
/// Two workers: on each shard one leads the dispatcher at a time across processes (<see cref="LeaderLoop"/>); MaxInFlight is the process's, shared by its shards. Half-done work: a delivery stays
/// pending until its outcome is recorded, so a crash between the send and the record means it is sent again (the same
/// webhook-id), never lost. Take-over: see <see cref="LeaderLoop"/> (5 s after a killed leader, about 25 s after a vanished host).
/// </summary>
public sealed class WebhookDispatcher(WebhookSender sender, WebhookSignal signal, TimeProvider wall,
    IOptions<WinBackOptions> options, LoopLeases leases, WinBackMetrics metrics, ILogger<WebhookDispatcher> logger) : LeaderLoop(leases, logger)
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private const int MaxRecordBatch = 500;
    // One in-flight count for the process, shared by every shard's loop: MaxInFlight holds for all of them together.
    private readonly InFlightDeliveries _inFlight = new();
    // Each shard's finished attempts, recorded on that shard; kept across leaderships, as the attempts outlive a lost lease.
    private readonly ConcurrentDictionary<string, Channel<AttemptRecord>> _finished = new();

    protected override string LoopName => "webhook-dispatcher";

    protected override async Task RunAsLeaderAsync(ShardRef shard, CancellationToken stoppingToken)
    {
        var finished = _finished.GetOrAdd(shard.Name, _ => Channel.CreateUnbounded<AttemptRecord>());
        var recorder = RecordLoopAsync(shard, finished, stoppingToken);
        try
        {
            await DispatchLoopAsync(shard, finished, stoppingToken);
        }
        finally
        {
            await recorder;
        }
    }

    private async Task DispatchLoopAsync(ShardRef shard, Channel<AttemptRecord> finished, CancellationToken stop)
    {
        var limits = options.Value.Webhooks;
        string? servedLast = null;
        while (!stop.IsCancellationRequested)
        {
            await StepAsync("pick due webhook deliveries", async () =>
            {
                var free = limits.MaxInFlight - _inFlight.Count;
                if (free <= 0)
                    return;
                var share = _inFlight.Share(limits, servedLast);
                var perEndpoint = share.BusyEndpoints.ToDictionary();
                foreach (var delivery in await WebhookQueue.DueAsync(shard.Database, wall.GetUtcNow(), share, free, stop))
                {
                    // The query keeps each tenant to its share; an endpoint's cap is kept here, the rest wait for the next round.
                    var busy = perEndpoint.GetValueOrDefault(delivery.EndpointId);
                    if (busy >= limits.MaxInFlightPerEndpoint)
                        continue;
                    perEndpoint[delivery.EndpointId] = busy + 1;
                    _inFlight.Add(delivery);
                    servedLast = delivery.TenantId;
                    _ = AttemptAsync(delivery, finished, stop);
                }
            });
            try
            {
                // Whatever was left behind (no free slot, its tenant or endpoint at its share, the next of its chain) waits for a
                // recorded outcome, which wakes this loop; new deliveries wake it too, and retries falling due are found by the poll.
                await signal.WaitAsync(Poll, stop, shard.Name);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task AttemptAsync(DueDelivery delivery, Channel<AttemptRecord> finished, CancellationToken stop)
    {
        AttemptOutcome outcome;
        try
        {
            outcome = await sender.SendAsync(delivery, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping, or the lease is lost: the delivery stays pending and is sent again by the next leader, which may be
            // this process again. It is no longer in flight here: kept, it would hold its share and never be picked again.
            _inFlight.Remove(delivery.Id);
            return;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Webhook delivery {DeliveryId} of tenant {TenantId} could not be attempted; recorded as a failed attempt",
                delivery.Id, delivery.TenantId);
            outcome = AttemptOutcome.Broken(e, wall.GetUtcNow());
        }
        // The system clock, not the injected one: the latency is measured against PostgreSQL's commit time.
        metrics.WebhookAttempted(outcome.StatusCode, delivery.QueuedAt, DateTimeOffset.UtcNow);
        finished.Writer.TryWrite(new AttemptRecord(delivery, outcome, Random.Shared.NextDouble()));
    }

    private async Task RecordLoopAsync(ShardRef shard, Channel<AttemptRecord> finished, CancellationToken stop)
    {
        var batch = new List<AttemptRecord>();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (batch.Count == 0 && !await finished.Reader.WaitToReadAsync(stop))
                    return;
                while (batch.Count < MaxRecordBatch && finished.Reader.TryRead(out var attempt))
                    batch.Add(attempt);
                var recorded = await RecordAsync(shard, batch, stop);
                foreach (var id in recorded)
                    _inFlight.Remove(id);
                batch.RemoveAll(a => recorded.Contains(a.Delivery.Id));
                signal.Wake();
                if (batch.Count > 0)
                    await Task.Delay(Poll, stop); // the rest are kept and recorded on the next turn; they stay in flight until then
            }
            catch (OperationCanceledException)
            {
                // Not recorded yet (the lease or the shard is gone): kept for this shard's next leadership, still in flight until then.
                foreach (var attempt in batch)
                    finished.Writer.TryWrite(attempt);
                return;
            }
        }
    }

    // The batch in one transaction. When the database refuses it (rather than being out of reach), each attempt alone, so
    // that one outcome that cannot be stored holds back no other; such an outcome is stored without the receiver's answer.
    private async Task<HashSet<string>> RecordAsync(ShardRef shard, List<AttemptRecord> batch, CancellationToken stop)
    {
        try
        {
            await WebhookQueue.RecordAsync(shard.Database, batch, stop);
            return batch.Select(a => a.Delivery.Id).ToHashSet();
        }
        catch (PostgresException e)
        {
            logger.LogWarning(e, "Recording {Count} webhook attempts together failed; recording them one by one", batch.Count);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Recording {Count} webhook attempts failed; trying again", batch.Count);
            return [];
        }
        var recorded = new HashSet<string>();
        foreach (var attempt in batch)
        {
            var failure = await TryRecordAsync(shard, attempt, stop);
            // A value the database cannot store (class 22, data exception): the attempt is stored without the receiver's answer.
            if (failure is PostgresException data && data.SqlState.StartsWith("22", StringComparison.Ordinal))
                failure = await TryRecordAsync(shard, attempt with { Outcome = attempt.Outcome.WithoutBody() }, stop);
            if (failure is null)
                recorded.Add(attempt.Delivery.Id);
        }
        return recorded;
    }

    private async Task<Exception?> TryRecordAsync(ShardRef shard, AttemptRecord attempt, CancellationToken stop)
    {
        try
        {
            await WebhookQueue.RecordAsync(shard.Database, [attempt], stop);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Recording the attempt of webhook delivery {DeliveryId} of tenant {TenantId} failed", attempt.Delivery.Id,
                attempt.Delivery.TenantId);
            return e;
        }
    }
}
