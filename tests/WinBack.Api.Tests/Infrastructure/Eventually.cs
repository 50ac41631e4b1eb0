namespace WinBack.Api.Tests.Infrastructure;

/// <summary>
/// Waits for what background work (the worker, the daemon's subscriptions) makes true: reads until the condition holds,
/// every 50 ms for at most 15 s, then fails the test saying what never happened.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(50);
    private const int Tries = 300;

    public static Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what) => ReadAsync(read, done, what, Every * Tries);

    /// <summary>For what takes longer than 15 s by its nature (a tenant moved between shards).</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan within)
    {
        var value = await read();
        for (var i = 0; i < within / Every && !done(value); i++)
        {
            await Task.Delay(Every);
            value = await read();
        }
        return done(value) ? value : throw new TimeoutException($"Never saw {what}; the last reading was {Describe(value)}.");
    }

    public static Task TrueAsync(Func<bool> condition, string what) =>
        ReadAsync(() => Task.FromResult(condition()), ok => ok, what);

    private static string Describe<T>(T value) => value switch
    {
        System.Collections.IEnumerable items and not string => $"[{string.Join(", ", items.Cast<object>())}]",
        _ => $"{value}",
    };
}
