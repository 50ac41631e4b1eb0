using WinBack.Domain.Customers;

namespace WinBack.Domain.Rules;

/// <summary>Why a lapsed customer does not deserve a rule's reward; the first failing filter is the reason.</summary>
public enum Ineligibility { LifetimeValue, OrderCount, ChurnReason, Attributes, CustomerAge }

/// <summary>Who a rule's trigger catches, and who its eligibility lets through. Pure; the sweep and the preview share it.</summary>
public static class RuleAudience
{
    /// <summary>
    /// The moment the customer crossed the trigger's window (<see cref="WindowOf"/>), or null when the trigger
    /// does not apply to them (no qualifying activity, not cancelled, has purchased, or not at risk under the tenant's
    /// model in <paramref name="context"/>; without a context nobody is at risk).
    /// </summary>
    public static DateTimeOffset? CrossingAt(Trigger trigger, int days, Customer customer, TriggerContext? context = null) =>
        TriggerWindows.Of(trigger.Type) is not { } window ? null
        : window.Crossing is { } crossing ? crossing(trigger.Days == days ? trigger : trigger with { Days = days }, customer, context ?? TriggerContext.None)
        : window.OpensAt(trigger, customer) + WindowOf(trigger, days, customer)!.Length;

    /// <summary>
    /// The customer's window of silence: their personal one when the trigger has one and they qualify, else
    /// <paramref name="days"/>; null for a trigger whose crossing is not a window (at_risk's comes from the model).
    /// </summary>
    public static LapseWindow? WindowOf(Trigger trigger, int days, Customer customer) =>
        TriggerWindows.Of(trigger.Type)?.Crossing is not null ? null
        : trigger is { Type: TriggerType.Inactivity, PersonalWindow: { } personal } && personal.DaysFor(customer) is { } own
            ? new LapseWindow(own, WindowSource.Personal)
            : new LapseWindow(days, WindowSource.Rule);

    /// <summary>Whether the customer has crossed the window by <paramref name="asOf"/>.</summary>
    public static bool HasLapsed(Trigger trigger, int days, Customer customer, DateTimeOffset asOf, TriggerContext? context = null) =>
        CrossingAt(trigger, days, customer, context) is { } crossing && crossing <= asOf;

    /// <summary>The first filter the customer fails, or null; the customer's age is measured at <paramref name="asOf"/> (the decision's time).</summary>
    public static Ineligibility? Check(Eligibility eligibility, Customer customer, DateTimeOffset asOf)
    {
        if (eligibility.MinLifetimeValue is { } min && customer.LifetimeValue.GetValueOrDefault(min.Currency) < min.Amount)
            return Ineligibility.LifetimeValue;
        if (eligibility.MaxLifetimeValue is { } max && customer.LifetimeValue.GetValueOrDefault(max.Currency) > max.Amount)
            return Ineligibility.LifetimeValue;
        if (eligibility.MinOrderCount is { } orders && customer.OrderCount < orders)
            return Ineligibility.OrderCount;
        if (eligibility.ChurnReasons.Count > 0 && (customer.ChurnReason is not { } reason || !eligibility.ChurnReasons.Contains(reason)))
            return Ineligibility.ChurnReason;
        if (eligibility.Attributes.Any(a => customer.Attributes.GetValueOrDefault(a.Key) != a.Value))
            return Ineligibility.Attributes;
        if (eligibility.MinCustomerDays is { } days && customer.FirstSeenAt.AddDays(days) > asOf)
            return Ineligibility.CustomerAge;
        return null;
    }
}
