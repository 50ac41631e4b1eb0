using System.Collections.Concurrent;

namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>
/// Wakes a polling background loop early when this process just gave it work. Many wakes before it looks count as one.
/// A loop that runs once per shard waits as that shard (<c>waiter</c>), so that one wake reaches every shard's loop.
/// </summary>
/// <param name="anonymousWaiters">How many waiters wait without a name (Marten's high-water agents, one per shard, cannot
/// say which they are): a wake lets each of them through once.</param>
public abstract class WakeSignal(int anonymousWaiters = 1)
{
    private const string Anyone = "";
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _waiters = new() { [Anyone] = new SemaphoreSlim(0, anonymousWaiters) };

    public void Wake()
    {
        foreach (var (name, wake) in _waiters)
            Fill(wake, name == Anyone ? anonymousWaiters : 1);
    }

    // Lets up to `count` waits through; wakes before they look add nothing more.
    private static void Fill(SemaphoreSlim wake, int count)
    {
        try
        {
            if (count - wake.CurrentCount is var missing and > 0)
                wake.Release(missing);
        }
        catch (SemaphoreFullException) { /* woken meanwhile */ }
    }

    /// <returns>True when woken, false when the timeout passed.</returns>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct, string waiter = Anyone) =>
        _waiters.GetOrAdd(waiter, _ => new SemaphoreSlim(0, 1)).WaitAsync(timeout, ct);
}
