using JasperFx.Events.Daemon.HighWater;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Infrastructure.Marten;

/// <summary>
/// Wakes the async daemon's high-water agent as soon as this process commits an event that an outbox subscription publishes
/// (a lapse, a reward change, ...), so webhooks and Stripe pushes start at once instead of at the next poll. Everything else
/// (activities, imports) leaves the daemon on its default polling, which heavy writes need (docs/benchmarks.md). In a split
/// deployment the API process's pulses reach nobody and the worker's daemon polls as usual.
/// </summary>
/// <param name="shards">The daemon runs a high-water agent per shard, all waiting on this one signal.</param>
public sealed class OutboxWakeup(int shards) : WakeSignal(shards), IDaemonWakeup
{
    // A woken agent first lets the next few commits gather, so a busy writer wakes it at most 20 times a second.
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(50);

    async Task IDaemonWakeup.WaitAsync(TimeSpan timeout, CancellationToken token)
    {
        if (await WaitAsync(timeout, token))
            await Task.Delay(Gather, token);
    }

    public void Dispose() { }
}
