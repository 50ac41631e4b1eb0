using WinBack.Domain.Customers;

namespace WinBack.Domain.Rules;

/// <summary>What a signal rule does next for a customer: fire (open an episode) or re-arm (close it), at a day boundary.</summary>
public enum SignalAction { Fire, Rearm }

public sealed record SignalStep(DateTimeOffset At, SignalAction Action);

/// <summary>
/// A signal rule's latest episode for one customer: opened when the rule fired (at <paramref name="FiredAt"/>, decided at
/// <paramref name="DetectedAt"/>), closed when it re-armed. Re-arming is judged from the decision on: a late activity that removes a
/// crossing already fired undoes nothing, and does not re-arm the rule in the past to fire the same decline twice.
/// </summary>
public sealed record SignalEpisode(DateTimeOffset FiredAt, DateTimeOffset DetectedAt, DateTimeOffset? RearmedAt = null);

/// <summary>
/// The churn signals usage_decline and contact_burst, computed from the customer's daily counts (<see cref="ActivityCounts"/>) alone.
/// Counts are per local day and an activity counts at its day's start, so with half-open windows the ratio is constant within a day
/// and changes only at local midnights: day d's recent window is days d-recentDays+1..d, its baseline the baselineDays before.
/// Each step is the first day boundary at or after its start where the condition holds, given no new activity (after the last
/// counted day plus both windows every count is 0, so the walk is bounded by 2 x 730 days); a rule is armed from its activation.
/// </summary>
public static class Signals
{
    public const double DefaultRearmAbove = 0.8;

    public static bool IsSignal(TriggerType type) => type is TriggerType.UsageDecline or TriggerType.ContactBurst;

    /// <summary>The churn signals of issue 25: these two and payment_failed (a moment per failure).</summary>
    public static bool IsChurnSignal(TriggerType type) => IsSignal(type) || type == TriggerType.PaymentFailed;

    public static IReadOnlyList<string> KindsOf(Trigger trigger) =>
        trigger.Type == TriggerType.UsageDecline ? trigger.Activities ?? [] : trigger.Activity is { } kind ? [kind] : [];

    /// <summary>How many days back a signal's windows look: recentDays + baselineDays, or withinDays.</summary>
    public static int SpanOf(Trigger trigger) =>
        trigger.Type == TriggerType.UsageDecline ? (trigger.RecentDays ?? 0) + (trigger.BaselineDays ?? 0) : trigger.WithinDays ?? 0;

    /// <summary>
    /// The rule's next step for the customer: with an open episode the re-arm after its firing was decided, else the crossing from the later of
    /// its last re-arm and the rule's activation (<see cref="TriggerContext.Since"/>). Null when none comes without new activity.
    /// </summary>
    public static SignalStep? Next(Trigger trigger, Customer customer, TriggerContext context)
    {
        var episode = context.RuleId is { } rule ? customer.Signals.GetValueOrDefault(rule) : null;
        var series = customer.ActivityCounts.Series(KindsOf(trigger));
        if (episode is { RearmedAt: null } open)
            return First(trigger, series, open.DetectedAt > open.FiredAt ? open.DetectedAt : open.FiredAt, context.TimeZone, SignalAction.Rearm, after: true);
        var from = Later(episode?.RearmedAt, context.Since) ?? customer.FirstSeenAt;
        return First(trigger, series, from, context.TimeZone, SignalAction.Fire, after: false);
    }

    /// <summary>The next crossing, through the re-arm of an open episode first (what a preview counts); null when none comes.</summary>
    public static DateTimeOffset? NextFire(Trigger trigger, Customer customer, TriggerContext context)
    {
        var step = Next(trigger, customer, context);
        if (step is not { Action: SignalAction.Rearm })
            return step?.At;
        var episode = customer.Signals[context.RuleId!];
        var rearmed = customer with { Signals = new Dictionary<string, SignalEpisode>(customer.Signals) { [context.RuleId!] = episode with { RearmedAt = step.At } } };
        return Next(trigger, rearmed, context)?.At;
    }

    /// <summary>The first day boundary at (or, with <paramref name="after"/>, after) <paramref name="from"/> where the action's condition holds.</summary>
    public static SignalStep? First(Trigger trigger, DaySeries series, DateTimeOffset from, TimeZoneInfo zone, SignalAction action, bool after)
    {
        if (series.IsEmpty)
            return null;
        var day = ActivityCounts.DayOf(from, zone);
        if (after ? StartOf(day, zone) <= from : StartOf(day, zone) < from)
            day++;
        var span = SpanOf(trigger);
        var end = series.Last + span;
        // Before the first counted day every window is empty; a day whose windows reach into dropped days is not judged.
        day = Math.Max(day, Math.Max(series.First, (series.CompleteFrom ?? int.MinValue / 2) + span - 1));
        for (; day <= end; day++)
            if (Holds(trigger, series, day, action))
                return new SignalStep(StartOf(day, zone), action);
        return null;
    }

    /// <summary>Whether the action's condition holds on local day <paramref name="day"/> (from its start to the next).</summary>
    public static bool Holds(Trigger trigger, DaySeries series, int day, SignalAction action)
    {
        if (trigger.Type == TriggerType.ContactBurst)
        {
            var burst = series.Sum(day - trigger.WithinDays!.Value + 1, day) >= trigger.Count!.Value;
            return action == SignalAction.Fire ? burst : !burst;
        }
        int recentDays = trigger.RecentDays!.Value, baselineDays = trigger.BaselineDays!.Value;
        var recent = series.Sum(day - recentDays + 1, day);
        var baseline = series.Sum(day - recentDays - baselineDays + 1, day - recentDays);
        // Too little history to judge: neither fires nor re-arms.
        if (baseline < trigger.MinBaseline!.Value)
            return false;
        // recent / (baseline * recentDays / baselineDays) against the threshold, in decimals so that equality is exact.
        var scaled = (decimal)recent * baselineDays;
        var expected = (decimal)baseline * recentDays;
        return action == SignalAction.Fire
            ? scaled < (decimal)trigger.DropBelow!.Value * expected
            : scaled >= (decimal)(trigger.RearmAbove ?? DefaultRearmAbove) * expected;
    }

    /// <summary>The start of local day <paramref name="day"/> in <paramref name="zone"/>.</summary>
    public static DateTimeOffset StartOf(int day, TimeZoneInfo zone) =>
        Moments.AtLocal(DateOnly.FromDayNumber(day).ToDateTime(TimeOnly.MinValue), zone);

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a >= b ? a : b;
}
