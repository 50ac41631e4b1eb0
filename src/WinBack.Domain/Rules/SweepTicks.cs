namespace WinBack.Domain.Rules;

/// <summary>When the engine sweeps: on multiples of its sweep interval since the Unix epoch (a test clock runs exactly these ticks).</summary>
public static class SweepTicks
{
    /// <summary>The first tick at or after <paramref name="t"/>.</summary>
    public static DateTimeOffset AtOrAfter(DateTimeOffset t, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(interval), "The sweep interval must be positive.");
        var since = t - DateTimeOffset.UnixEpoch;
        var ticks = (since.Ticks + interval.Ticks - 1) / interval.Ticks * interval.Ticks;
        return DateTimeOffset.UnixEpoch + TimeSpan.FromTicks(ticks);
    }
}
