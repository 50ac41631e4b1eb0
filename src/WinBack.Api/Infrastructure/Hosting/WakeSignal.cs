using System.Collections.Concurrent;

namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>
/// Wakes a polling background loop early when this process just gave it work. Many wakes before it looks count as one.
/// A loop that runs once per shard waits as that shard (<c>waiter</c>), so that one wake reaches every shard's loop.
/// </summary>
public abstract class WakeSignal
{
    private const string Anyone = "";
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _waiters = new() { [Anyone] = new SemaphoreSlim(0, 1) };

    public void Wake()
    {
        foreach (var wake in _waiters.Values)
        {
            try { wake.Release(); }
            catch (SemaphoreFullException) { /* already awake */ }
        }
    }

    /// <returns>True when woken, false when the timeout passed.</returns>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct, string waiter = Anyone) =>
        _waiters.GetOrAdd(waiter, _ => new SemaphoreSlim(0, 1)).WaitAsync(timeout, ct);
}
