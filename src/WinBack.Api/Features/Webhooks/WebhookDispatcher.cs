using System.Collections.Concurrent;
using System.Threading.Channels;
using Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;

namespace WinBack.Api.Features.Webhooks;

/// <summary>
/// Sends the outbox (worker role). It picks due deliveries that head their chain, sends up to MaxInFlight at once
/// (MaxInFlightPerEndpoint per endpoint, so one slow receiver cannot hold up the others), and records the outcomes in
/// batches. A delivery stays pending in the database until its outcome is recorded: a crash between the send and the
/// record means it is sent again (the same webhook-id), never lost. One dispatcher runs at a time across processes.
/// </summary>
public sealed class WebhookDispatcher(IDocumentStore store, WebhookQueue queue, WebhookSender sender, WebhookSignal signal, TimeProvider wall,
    IOptions<WinBackOptions> options, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private const int MaxRecordBatch = 500;
    private readonly ConcurrentDictionary<string, string> _inFlight = new(); // delivery id → endpoint id
    private readonly Channel<AttemptRecord> _finished = Channel.CreateUnbounded<AttemptRecord>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var leader = await ExclusiveRun.AcquireAsync(store, "webhook-dispatcher", stoppingToken);
        var recorder = RecordLoopAsync(stoppingToken);
        try
        {
            await DispatchLoopAsync(stoppingToken);
        }
        finally
        {
            await recorder;
        }
    }

    private async Task DispatchLoopAsync(CancellationToken stop)
    {
        var webhooks = options.Value.Webhooks;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var free = webhooks.MaxInFlight - _inFlight.Count;
                if (free > 0)
                {
                    var due = await queue.DueAsync(wall.GetUtcNow(), _inFlight.Keys.ToList(), free, stop);
                    var perEndpoint = _inFlight.Values.GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count());
                    foreach (var delivery in due)
                    {
                        var busy = perEndpoint.GetValueOrDefault(delivery.EndpointId);
                        if (busy >= webhooks.MaxInFlightPerEndpoint)
                            continue;
                        perEndpoint[delivery.EndpointId] = busy + 1;
                        _inFlight[delivery.Id] = delivery.EndpointId;
                        _ = SendAsync(delivery, stop);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Picking due webhook deliveries failed; trying again");
            }
            try
            {
                // Whatever was left behind (no free slot, its endpoint busy, the next of its chain) waits for a recorded
                // outcome, which wakes this loop; new deliveries wake it too, and retries falling due are found by the poll.
                await signal.WaitAsync(Poll, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SendAsync(DueDelivery delivery, CancellationToken stop)
    {
        try
        {
            var attemptedAt = delivery.AttemptedAt(wall.GetUtcNow());
            var outcome = await sender.SendAsync(delivery, stop);
            _finished.Writer.TryWrite(new AttemptRecord(delivery, outcome, attemptedAt, Random.Shared.NextDouble()));
        }
        catch (OperationCanceledException)
        {
            // Stopping: the delivery stays pending and is sent again by the next dispatcher.
        }
        catch (Exception e)
        {
            logger.LogError(e, "Sending webhook delivery {DeliveryId} failed unexpectedly; it stays pending", delivery.Id);
            _inFlight.TryRemove(delivery.Id, out _);
        }
    }

    private async Task RecordLoopAsync(CancellationToken stop)
    {
        var batch = new List<AttemptRecord>();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (batch.Count == 0 && !await _finished.Reader.WaitToReadAsync(stop))
                    return;
                while (batch.Count < MaxRecordBatch && _finished.Reader.TryRead(out var finished))
                    batch.Add(finished);
                await queue.RecordAsync(batch, stop);
                foreach (var recorded in batch)
                    _inFlight.TryRemove(recorded.Delivery.Id, out _);
                batch.Clear();
                signal.Wake();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                // The outcomes are kept and recorded on the next turn; their deliveries stay in flight until then.
                logger.LogError(e, "Recording {Count} webhook attempts failed; trying again", batch.Count);
                try { await Task.Delay(Poll, stop); }
                catch (OperationCanceledException) { return; }
            }
        }
    }
}
