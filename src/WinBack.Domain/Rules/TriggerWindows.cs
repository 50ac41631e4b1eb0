using System.Linq.Expressions;
using WinBack.Domain.Customers;
using WinBack.Domain.Risk;

namespace WinBack.Domain.Rules;

/// <summary>
/// What one trigger type watches: the statuses it can catch, when a customer's window opens (it closes, and the customer
/// crosses, <c>days</c> later), and a bound on that opening the store can check through an index. A new trigger type is
/// one entry of <see cref="TriggerWindows"/>; the sweep, the test clock and the preview all read it from there.
/// </summary>
/// <param name="OpensAt">When the customer's window opens, or null when the trigger does not apply to them.</param>
/// <param name="OpenedBy">
/// A condition, on the stored customer, that holds for everyone whose window opened by the given time; null when no
/// stored field bounds it (the domain check then sorts the candidates out).
/// </param>
public sealed record TriggerWindow(
    IReadOnlyList<CustomerStatus> Statuses,
    Func<Trigger, Customer, DateTimeOffset?> OpensAt,
    Func<Trigger, DateTimeOffset, Expression<Func<Customer, bool>>?> OpenedBy)
{
    /// <summary>
    /// For a trigger whose crossing is not <c>days</c> after an opening but depends on the tenant's model (at_risk): the
    /// crossing itself. No index can hold such a bound, so its candidates come from stored crossing times instead.
    /// </summary>
    public Func<Trigger, Customer, TriggerContext, DateTimeOffset?>? Crossing { get; init; }

    /// <summary>
    /// For a moment trigger: a condition, on the stored customer, that holds for everyone whose moment can come at or after the
    /// given time (the rule's activation less its longest days); null when none does (every birthday comes again).
    /// </summary>
    public Func<Trigger, DateTimeOffset, Expression<Func<Customer, bool>>?>? OpenedSince { get; init; }
}

/// <summary>Every trigger type's window, in one place.</summary>
public static class TriggerWindows
{
    // Customers in an open lapse episode are the engine's already; they cannot lapse again.
    private static readonly CustomerStatus[] CanLapse = [CustomerStatus.Active, CustomerStatus.Cancelled, CustomerStatus.WonBack];
    // A moment comes to a customer whatever their status (declared before the table that reads it).
    private static readonly CustomerStatus[] Anyone = Enum.GetValues<CustomerStatus>();

    private static readonly IReadOnlyDictionary<TriggerType, TriggerWindow> ByType = new Dictionary<TriggerType, TriggerWindow>
    {
        [TriggerType.Inactivity] = new(CanLapse, LastQualifyingActivity, (trigger, by) => trigger.ActivityTypes switch
        {
            [] => c => c.LastActivityAt <= by,
            [ActivityType.Purchase] => c => c.LastPurchaseAt <= by,
            // Other subsets of activity types have no stored field of their own.
            _ => null,
        }),
        [TriggerType.Cancellation] = new([CustomerStatus.Cancelled],
            (_, c) => c.Status == CustomerStatus.Cancelled ? c.StatusChangedAt : null,
            (_, by) => c => c.StatusChangedAt <= by),
        [TriggerType.NeverPurchased] = new(CanLapse,
            (_, c) => c.LastPurchaseAt is null && c.OrderCount == 0 ? c.FirstSeenAt : null,
            (_, by) => c => c.FirstSeenAt <= by && c.LastPurchaseAt == null),
        [TriggerType.AtRisk] = new(CanLapse, (_, _) => null, (_, _) => null) { Crossing = AtRiskCrossing },
        // Moments: every customer can reach one, whatever their status; the crossing is the next moment not fired yet.
        [TriggerType.Welcome] = Moment((_, by) => c => c.FirstSeenAt <= by, (_, since) => c => c.FirstSeenAt >= since),
        // The count-th order, or the purchase that reached the value, is a purchase: there is one since.
        [TriggerType.NthPurchase] = Moment((_, by) => c => c.LastPurchaseAt <= by, (_, since) => c => c.LastPurchaseAt >= since),
        [TriggerType.LifetimeValueReached] = Moment((_, by) => c => c.LastPurchaseAt <= by, (_, since) => c => c.LastPurchaseAt >= since),
        [TriggerType.Anniversary] = Moment(AnniversaryStartedBy, AnniversaryStartedSince),
        [TriggerType.Birthday] = Moment((_, _) => c => c.Birthday != null, null),
        // A failure since the activation is an activity since then.
        [TriggerType.PaymentFailed] = Moment((_, by) => c => c.FirstSeenAt <= by, (_, since) => c => c.LastActivityAt >= since),
        // Signals: the next step (a crossing, or the re-arm that closes an episode) from the daily counts; their candidates are stored steps (SignalCrossings).
        [TriggerType.UsageDecline] = Signal(),
        [TriggerType.ContactBurst] = Signal(),
        // Asked, never swept: the cancel flow asks for a save offer (SaveOfferDecider); no window opens, so sweeps find nobody.
        [TriggerType.CancellationIntent] = new([], (_, _) => null, (_, _) => null),
    };

    // Without stored steps (a draft's preview) the customers with activity in the windows are read: older activity counts 0.
    private static TriggerWindow Signal() =>
        new(Anyone, (_, _) => null, (_, by) => c => c.FirstSeenAt <= by)
        {
            Crossing = (trigger, customer, context) => Signals.Next(trigger, customer, context)?.At,
            OpenedSince = (trigger, since) => LastActiveSince(since.AddDays(-Signals.SpanOf(trigger) - 1)),
        };

    private static Expression<Func<Customer, bool>> LastActiveSince(DateTimeOffset bound) => c => c.LastActivityAt >= bound;

    // The first listed anniversary comes by then only for customers who started a year count earlier (a day's slack for time zones).
    private static Expression<Func<Customer, bool>> AnniversaryStartedBy(Trigger trigger, DateTimeOffset by)
    {
        var bound = by.AddYears(-(trigger.Years ?? []).DefaultIfEmpty(0).Min()).AddDays(1);
        if (trigger.From == AnniversaryFrom.FirstSeen)
            return c => c.FirstSeenAt <= bound;
        return c => c.FirstPurchaseAt <= bound;
    }

    // The last listed anniversary comes after then only for customers who started a year count later.
    private static Expression<Func<Customer, bool>> AnniversaryStartedSince(Trigger trigger, DateTimeOffset since)
    {
        var bound = since.AddYears(-(trigger.Years ?? []).DefaultIfEmpty(0).Max()).AddDays(-1);
        if (trigger.From == AnniversaryFrom.FirstSeen)
            return c => c.FirstSeenAt >= bound;
        return c => c.FirstPurchaseAt >= bound;
    }

    private static TriggerWindow Moment(Func<Trigger, DateTimeOffset, Expression<Func<Customer, bool>>?> openedBy,
        Func<Trigger, DateTimeOffset, Expression<Func<Customer, bool>>?>? openedSince) =>
        new(Anyone, (_, _) => null, openedBy)
        {
            Crossing = (trigger, customer, context) => Moments.Next(trigger, customer, context)?.At, OpenedSince = openedSince,
        };

    /// <summary>Crossing ages beyond this (100 years) count as never, so that a far-off crossing cannot overflow a date.</summary>
    public const double MaxAtRiskAgeDays = 36_500;

    /// <summary>The trigger type's window, or null for a type with none.</summary>
    public static TriggerWindow? Of(TriggerType type) => ByType.GetValueOrDefault(type);

    /// <summary>
    /// When the customer's P(alive) falls below the trigger's threshold: first purchase + T*(x, t_x). Null without a model,
    /// or for a customer with no repeat purchase (in BG/NBD their P(alive) is 1). Counted from the first purchase as the
    /// model's summary is (an import's customer-since date when it brought orders, else first seen).
    /// </summary>
    public static DateTimeOffset? AtRiskCrossing(Trigger trigger, Customer customer, TriggerContext context)
    {
        if (context.RiskModel is not { } model || trigger.PAliveBelow is not { } threshold || customer.LastPurchaseAt is not { } last
            || customer.OrderCount < 2)
            return null;
        var first = customer.FirstPurchaseAt ?? customer.FirstSeenAt;
        var tx = Math.Max((last - first).TotalDays, 0);
        return BgNbd.AtRiskAge(model, customer.OrderCount - 1, tx, threshold) is { } age and <= MaxAtRiskAgeDays
            ? first + TimeSpan.FromTicks((long)Math.Round(age * TimeSpan.TicksPerDay))
            : null;
    }

    // Imports carry a last purchase but no per-type history, so purchases are read from LastPurchaseAt.
    private static DateTimeOffset? LastQualifyingActivity(Trigger trigger, Customer customer)
    {
        if (trigger.ActivityTypes.Count == 0)
            return customer.LastActivityAt;
        DateTimeOffset? last = null;
        foreach (var type in trigger.ActivityTypes)
        {
            var at = type == ActivityType.Purchase ? customer.LastPurchaseAt : customer.LastActivityByType.GetValueOrDefault(type) as DateTimeOffset?;
            if (at is { } seen && (last is null || seen > last))
                last = seen;
        }
        return last;
    }
}
