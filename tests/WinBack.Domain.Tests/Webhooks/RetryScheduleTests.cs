using WinBack.Domain.Common;
using WinBack.Domain.Webhooks;

namespace WinBack.Domain.Tests.Webhooks;

public sealed class RetryScheduleTests
{
    private static readonly DateTimeOffset T = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    [Fact]
    public void Attempts_follow_the_published_delays_without_jitter()
    {
        var at = T;
        var times = new List<DateTimeOffset>();
        for (var attempt = 1; RetrySchedule.Webhooks.Next(attempt, at, jitter: 0) is { } next; attempt++)
            times.Add(at = next);

        times.Select(t => t - T).ShouldBe([
            TimeSpan.FromSeconds(5), TimeSpan.Parse("00:05:05"), TimeSpan.Parse("00:35:05"), TimeSpan.Parse("02:35:05"),
            TimeSpan.Parse("07:35:05"), TimeSpan.Parse("17:35:05"), TimeSpan.Parse("1.03:35:05"),
        ]);
        RetrySchedule.Webhooks.MaxAttempts.ShouldBe(8);
    }

    [Fact]
    public void Jitter_stretches_a_delay_by_at_most_a_tenth_and_the_last_attempt_has_no_next()
    {
        RetrySchedule.Webhooks.Next(4, T, jitter: 0.999).ShouldBe(T + TimeSpan.FromHours(2) + TimeSpan.FromTicks((long)(TimeSpan.FromHours(2).Ticks * 0.0999)));
        RetrySchedule.Webhooks.Next(8, T, jitter: 0).ShouldBeNull();
        RetrySchedule.Webhooks.Next(0, T, jitter: 0).ShouldBeNull();
    }
}

public sealed class StripeRetryScheduleTests
{
    [Fact]
    public void Stripe_retries_end_within_the_24_hours_stripe_remembers_an_idempotency_key()
    {
        var at = DateTimeOffset.Parse("2026-11-24T09:00:00Z");
        var first = at;
        for (var attempt = 1; RetrySchedule.Stripe.Next(attempt, at, jitter: 0.999) is { } next; attempt++)
            at = next;
        (at - first).ShouldBeLessThan(TimeSpan.FromHours(24));
    }
}
