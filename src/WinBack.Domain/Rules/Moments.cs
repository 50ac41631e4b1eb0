using WinBack.Domain.Customers;

namespace WinBack.Domain.Rules;

/// <summary>One moment of a customer: when it comes, and the key under which it fires once per rule.</summary>
public sealed record Moment(DateTimeOffset At, string Key);

/// <summary>
/// The moment triggers' exact moments, computed from the customer's state alone. <see cref="Occurrences"/> lists every moment a
/// trigger gives a customer, in time order (a backtest can walk them); <see cref="Next"/> is the one the engine fires next: the
/// first not fired yet (its key is not in <see cref="Customer.Moments"/> for the rule) and not before the rule was active. The signal
/// triggers usage_decline and contact_burst are moment rules too, but their steps come from <see cref="Signals"/>.
/// </summary>
public static class Moments
{
    /// <summary>How many years of birthdays are listed at most: a bound, so that the listing ends.</summary>
    public const int BirthdayYears = 200;

    public static bool IsMoment(TriggerType type) =>
        type is TriggerType.Welcome or TriggerType.NthPurchase or TriggerType.LifetimeValueReached or TriggerType.Anniversary or TriggerType.Birthday
        or TriggerType.UsageDecline or TriggerType.ContactBurst or TriggerType.PaymentFailed;

    /// <summary>The first moment at or after <see cref="TriggerContext.Since"/> that the context's rule has not fired for the customer.</summary>
    public static Moment? Next(Trigger trigger, Customer customer, TriggerContext context)
    {
        foreach (var moment in Occurrences(trigger, customer, context.TimeZone, context.Since))
            if (context.RuleId is not { } rule || !customer.Moments.Contains(MomentReached.Mark(rule, moment.Key)))
                return moment;
        return null;
    }

    /// <summary>Every moment <paramref name="trigger"/> gives the customer at or after <paramref name="since"/>, in time order.</summary>
    public static IEnumerable<Moment> Occurrences(Trigger trigger, Customer customer, TimeZoneInfo timeZone, DateTimeOffset? since = null)
    {
        var all = trigger.Type switch
        {
            TriggerType.Welcome => Once(customer.FirstSeenAt.AddDays(trigger.Days), "welcome"),
            TriggerType.NthPurchase => Once(NthPurchaseAt(customer, trigger.Count ?? 1), $"nth_purchase:{trigger.Count}"),
            TriggerType.LifetimeValueReached when trigger.Amount is { } amount =>
                Once(ValueReachedAt(customer, amount.Currency, amount.Amount), $"lifetime_value:{amount.Amount}:{amount.Currency}"),
            TriggerType.Anniversary => Anniversaries(trigger, customer, timeZone),
            TriggerType.Birthday => Birthdays(Birthday.Parse(customer.Birthday), trigger.DaysBefore ?? 0, timeZone, since ?? customer.FirstSeenAt),
            // Each failure is its own moment; the bounded list keeps the latest ones (a late one in its place).
            TriggerType.PaymentFailed => customer.PaymentFailures.Select(f => new Moment(f.At, $"payment_failed:{f.ActivityId}")),
            _ => [],
        };
        return since is { } from ? all.Where(m => m.At >= from) : all;
    }

    /// <summary>
    /// When the customer's order count reached <paramref name="count"/>: the count-th purchase among those recorded (late ones in
    /// their place). Null when it has not, or when it was reached before the purchase times kept (in an import, or long ago).
    /// </summary>
    public static DateTimeOffset? NthPurchaseAt(Customer customer, int count)
    {
        if (customer.OrderCount < count)
            return null;
        // Orders before the kept times: the import's, and recorded ones that dropped out of the bounded list.
        var before = customer.OrderCount - customer.RecentPurchases.Count;
        var index = count - 1 - before;
        return index >= 0 ? customer.RecentPurchases[index] : null;
    }

    /// <summary>
    /// When the lifetime value in <paramref name="currency"/> first reached <paramref name="amount"/>: the purchase that took its
    /// highest so far past it. Null when it has not, or when it did before the steps kept (an import, or long ago).
    /// </summary>
    public static DateTimeOffset? ValueReachedAt(Customer customer, string currency, long amount) =>
        customer.ValueSteps.FirstOrDefault(s => s.Currency == currency && s.From < amount && s.To >= amount)?.At;

    private static IEnumerable<Moment> Once(DateTimeOffset? at, string key) => at is { } when ? [new Moment(when, key)] : [];

    // Each listed year after the first purchase (or first seen), at the same local time of day in the tenant's zone.
    private static IEnumerable<Moment> Anniversaries(Trigger trigger, Customer customer, TimeZoneInfo timeZone)
    {
        if ((trigger.From == AnniversaryFrom.FirstSeen ? customer.FirstSeenAt : customer.FirstPurchaseAt) is not { } start)
            return [];
        var local = TimeZoneInfo.ConvertTime(start, timeZone);
        return (trigger.Years ?? []).Order().Distinct()
            .Select(y => new Moment(AtLocal(local.DateTime.AddYears(y), timeZone), $"anniversary:{y}"));
    }

    // The start of the local day daysBefore each birthday, from the year of 'from' on (a year earlier, for a moment a year's turn away).
    private static IEnumerable<Moment> Birthdays(Birthday? birthday, int daysBefore, TimeZoneInfo timeZone, DateTimeOffset from)
    {
        if (birthday is null)
            return [];
        var first = Math.Max(TimeZoneInfo.ConvertTime(from, timeZone).Year - 1, birthday.Year ?? 1);
        return Enumerable.Range(first, BirthdayYears).Where(year => year <= DateTime.MaxValue.Year - 1)
            .Select(year => new Moment(AtLocal(birthday.In(year).AddDays(-daysBefore).ToDateTime(TimeOnly.MinValue), timeZone), $"birthday:{year}"));
    }

    // A local time that does not exist (a clock moved forward) is taken as the first instant after the gap.
    internal static DateTimeOffset AtLocal(DateTime local, TimeZoneInfo timeZone)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (timeZone.IsInvalidTime(unspecified))
            unspecified = unspecified.AddMinutes(1);
        return new DateTimeOffset(unspecified, timeZone.GetUtcOffset(unspecified)).ToUniversalTime();
    }
}
