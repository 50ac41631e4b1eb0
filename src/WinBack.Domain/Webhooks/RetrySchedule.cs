namespace WinBack.Domain.Webhooks;

/// <summary>
/// When a failed delivery is tried again: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after the attempt before it
/// (about 28 hours from the first attempt to the last), each stretched by up to 10% of jitter so that an endpoint that
/// comes back is not hit by every held delivery at the same instant.
/// </summary>
public static class RetrySchedule
{
    public static readonly IReadOnlyList<TimeSpan> Delays =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    /// <summary>Attempts in all: the first plus one per delay.</summary>
    public static int MaxAttempts => Delays.Count + 1;

    /// <param name="attempts">Attempts made so far (1 after the first).</param>
    /// <param name="jitter">A number in [0, 1), drawn by the caller (the schedule stays pure and testable).</param>
    /// <returns>The time of the next attempt, or null when the last one has been made (the delivery has failed).</returns>
    public static DateTimeOffset? Next(int attempts, DateTimeOffset lastAttemptAt, double jitter)
    {
        if (attempts < 1 || attempts > Delays.Count)
            return null;
        var delay = Delays[attempts - 1];
        return lastAttemptAt + delay + TimeSpan.FromTicks((long)(delay.Ticks * 0.1 * jitter));
    }
}
