namespace WinBack.Domain.Common;

/// <summary>
/// When a failed call to another system is tried again: each delay after the attempt before it, stretched by up to 10%
/// of jitter so that a receiver that comes back is not hit by every held call at the same instant.
/// </summary>
public sealed class RetrySchedule(IReadOnlyList<TimeSpan> delays)
{
    /// <summary>Webhook deliveries: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 28 hours from first attempt to last).</summary>
    public static readonly RetrySchedule Webhooks = new(
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ]);

    /// <summary>
    /// Stripe calls: 5 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h (about 21 hours with jitter at most 23). It must end within the
    /// 24 hours for which Stripe remembers an Idempotency-Key; a retry after that could create the object a second time.
    /// </summary>
    public static readonly RetrySchedule Stripe = new(
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(2), TimeSpan.FromHours(6), TimeSpan.FromHours(12),
    ]);

    public IReadOnlyList<TimeSpan> Delays { get; } = delays;

    /// <summary>Attempts in all: the first plus one per delay.</summary>
    public int MaxAttempts => Delays.Count + 1;

    /// <param name="attempts">Attempts made so far (1 after the first).</param>
    /// <param name="jitter">A number in [0, 1), drawn by the caller (the schedule stays pure and testable).</param>
    /// <returns>The time of the next attempt, or null when the last one has been made (the call has failed).</returns>
    public DateTimeOffset? Next(int attempts, DateTimeOffset lastAttemptAt, double jitter)
    {
        if (attempts < 1 || attempts > Delays.Count)
            return null;
        var delay = Delays[attempts - 1];
        return lastAttemptAt + delay + TimeSpan.FromTicks((long)(delay.Ticks * 0.1 * jitter));
    }
}
