using System.Text.Json;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Domain.Rules;

/// <summary>
/// The first four catch customers who went quiet (win-back); the rest are moments (<see cref="Moments"/>), fired once each, and the
/// last three churn signals: usage_decline and contact_burst fire once per episode (<see cref="Signals"/>), payment_failed at each failure.
/// CancellationIntent is asked, not swept: the product's cancel flow asks for a save offer (<see cref="Customers.SaveOfferDecider"/>).
/// </summary>
public enum TriggerType { Inactivity, Cancellation, NeverPurchased, AtRisk, Welcome, NthPurchase, LifetimeValueReached, Anniversary, Birthday, UsageDecline, ContactBurst, PaymentFailed, CancellationIntent }

/// <summary>What an anniversary counts from.</summary>
public enum AnniversaryFrom { FirstPurchase, FirstSeen }

/// <summary>Pause and TrialExtension are save offers' rewards: <see cref="RewardSpec.Days"/> days of a subscription paused or of free trial.</summary>
public enum RewardType { AccountCredit, PercentDiscount, FreeProduct, Custom, Pause, TrialExtension }

public enum RewardGrant { Immediate, OnReturn }

/// <summary>One immutable version of what a rule does: who lapses, who deserves a reward, which, and under what limits.</summary>
public sealed record RuleDefinition(
    string Name,
    int Priority,
    Trigger Trigger,
    Eligibility Eligibility,
    RewardSpec Reward,
    Limits Limits,
    Experiment? Experiment,
    Message? Message,
    int AttributionDays)
{
    public const int DefaultAttributionDays = 90;

    private static readonly IReadOnlyList<Variant> DefaultArms = [new Variant(Variant.Default, 1, null, null, null)];

    /// <summary>The arms a customer can be assigned to: the variants, or the one default arm without an experiment.</summary>
    public IReadOnlyList<Variant> Arms => Experiment is { Variants.Count: > 0 } experiment ? experiment.Variants : DefaultArms;

    public int HoldoutPercent => Experiment?.HoldoutPercent ?? 0;

    public RewardSpec RewardOf(Variant arm) => arm.Reward ?? Reward;

    public int TriggerDaysOf(Variant? arm) => arm?.TriggerDays ?? Trigger.Days;
}

/// <param name="Days">The window in days; for welcome the days after first seen (0 allowed); 0 and unused for at_risk and the other moments.</param>
/// <param name="ActivityTypes">For inactivity: the activity types that count; empty means all.</param>
/// <param name="PersonalWindow">For inactivity: a window on each customer's own purchase rhythm, with <paramref name="Days"/> as the fallback.</param>
public sealed record Trigger(TriggerType Type, int Days, IReadOnlyList<ActivityType> ActivityTypes, PersonalWindow? PersonalWindow = null)
{
    /// <summary>For at_risk: the P(alive) threshold, strictly between 0 and 1; null for other types.</summary>
    public double? PAliveBelow { get; init; }
    /// <summary>For nth_purchase: the order count that is the moment, 1 or more.</summary>
    public int? Count { get; init; }
    /// <summary>For lifetime_value_reached: the lifetime value whose first reaching is the moment.</summary>
    public Money? Amount { get; init; }
    /// <summary>For anniversary: the anniversaries (in years) that are moments, each fired once.</summary>
    public IReadOnlyList<int>? Years { get; init; }
    /// <summary>For anniversary: what the years count from; default the first purchase.</summary>
    public AnniversaryFrom? From { get; init; }
    /// <summary>For birthday: how many days before the birthday the moment is; 0 is the day itself.</summary>
    public int? DaysBefore { get; init; }
    /// <summary>For usage_decline: the activity kinds counted (<see cref="ActivityKinds"/>: "login", "custom:report_viewed").</summary>
    public IReadOnlyList<string>? Activities { get; init; }
    /// <summary>For contact_burst: the activity kind counted (<see cref="ActivityKinds"/>); <see cref="Count"/> is the burst's size.</summary>
    public string? Activity { get; init; }
    /// <summary>For usage_decline: the recent window's length in days, 1-365.</summary>
    public int? RecentDays { get; init; }
    /// <summary>For usage_decline: the baseline window's length in days (just before the recent one), 1-365.</summary>
    public int? BaselineDays { get; init; }
    /// <summary>For usage_decline: fires when recent falls below this share of what the baseline predicts; strictly between 0 and 1.</summary>
    public double? DropBelow { get; init; }
    /// <summary>For usage_decline: re-arms once the ratio is back at or above this; above <see cref="DropBelow"/>, default 0.8.</summary>
    public double? RearmAbove { get; init; }
    /// <summary>For usage_decline: the activities the baseline must hold for the trigger to fire or re-arm, 1 or more.</summary>
    public int? MinBaseline { get; init; }
    /// <summary>For contact_burst: the window in days, 1-365.</summary>
    public int? WithinDays { get; init; }
}

/// <summary>Who deserves a reward; an empty part lets everyone through.</summary>
public sealed record Eligibility(
    Money? MinLifetimeValue,
    Money? MaxLifetimeValue,
    int? MinOrderCount,
    IReadOnlyList<ChurnReason> ChurnReasons,
    IReadOnlyDictionary<string, string> Attributes)
{
    public static readonly Eligibility Everyone = new(null, null, null, [], new Dictionary<string, string>());

    /// <summary>Customers first seen at least this many days before the decision (their age as customers); null: any age.</summary>
    public int? MinCustomerDays { get; init; }
}

/// <summary>The reward an arm issues. Which optional fields are set depends on <see cref="Type"/>.</summary>
public sealed record RewardSpec(
    RewardType Type,
    Money? Credit,
    int? Percent,
    int? Uses,
    string? Sku,
    JsonElement? Payload,
    int ExpiresInDays,
    RewardGrant Grant,
    int? Days = null)
{
    /// <summary>Whether the reward acts on a subscription (pause, trial_extension): applied when given, never redeemed at checkout.</summary>
    public bool ChangesSubscription() => Type is RewardType.Pause or RewardType.TrialExtension;
}

/// <summary>Guard rails. Budgets count account credit in the reward's currency; null means no limit.</summary>
public sealed record Limits(Money? TotalBudget, Money? DailyBudget, int? MaxRewardsPerCustomer, int? CooldownDays)
{
    public static readonly Limits None = new(null, null, null, null);

    /// <summary>The currency a rule's spend is counted in: its total budget's, else its daily one's; null without a budget.</summary>
    public string? BudgetCurrency() => (TotalBudget ?? DailyBudget)?.Currency; // a method, so no serializer writes it
}

public sealed record Experiment(int HoldoutPercent, IReadOnlyList<Variant> Variants);

/// <summary>An experiment arm; its overrides replace the rule's reward, trigger days and message.</summary>
public sealed record Variant(string Name, int Weight, RewardSpec? Reward, int? TriggerDays, Message? Message)
{
    /// <summary>The arm of a rule without an experiment.</summary>
    public const string Default = "default";
    /// <summary>The name reports use for customers held out of any reward.</summary>
    public const string Holdout = "holdout";
}

public sealed record Message(string Subject, string Body)
{
    /// <summary>The placeholders a template may use; rendered into the reward.issued webhook.</summary>
    public static readonly IReadOnlyList<string> Placeholders =
    [
        "customer.id", "customer.email", "reward.id", "reward.type", "reward.amount", "reward.currency", "reward.percent",
        "reward.uses", "reward.sku", "reward.expiresAt", "rule.name",
    ];
}
