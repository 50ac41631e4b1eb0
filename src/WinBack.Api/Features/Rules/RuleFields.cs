using System.Text.Json;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using WinBack.Api.Infrastructure.OpenApi;

namespace WinBack.Api.Features.Rules;

/// <summary>
/// A rule's definition as admins write and read it. Requests send it; responses echo it with defaults filled in.
/// Fields are nullable here so that a missing one gets a validation message instead of a JSON error.
/// </summary>
public class RuleFields
{
    /// <summary>A name for people, up to 100 characters.</summary>
    /// <example>90-day win-back</example>
    public string? Name { get; set; }
    /// <summary>Order among active rules: a lapsed customer gets the first eligible rule, trying the highest priority first. 0 to 1000; default 0. Two active rules with the same priority must not overlap.</summary>
    /// <example>10</example>
    public int? Priority { get; set; }
    /// <summary>Who counts as lapsed, and from when.</summary>
    public RuleTrigger? Trigger { get; set; }
    /// <summary>Which lapsed customers deserve the reward. Leave out to reward everyone the trigger catches.</summary>
    public RuleEligibility? Eligibility { get; set; }
    /// <summary>What a lapsed, eligible customer gets.</summary>
    public RuleReward? Reward { get; set; }
    /// <summary>Guard rails: budgets, a cap per customer and a cooldown. Leave out for no limits.</summary>
    public RuleLimits? Limits { get; set; }
    /// <summary>Variants and a holdout, to measure what the reward changes. Leave out to give everyone the same reward.</summary>
    public RuleExperiment? Experiment { get; set; }
    /// <summary>The message the reward.issued webhook carries, rendered for the customer.</summary>
    public RuleMessage? Message { get; set; }
    /// <summary>Days after a customer's return during which their revenue counts for this rule. 1 to 365; default 90.</summary>
    /// <example>90</example>
    public int? AttributionDays { get; set; }

    /// <summary>The domain definition; call only after validation.</summary>
    public RuleDefinition ToDefinition() => new(
        Name!.Trim(), Priority ?? 0, Trigger!.ToTrigger(), Eligibility?.ToEligibility() ?? Domain.Rules.Eligibility.Everyone,
        Reward!.ToSpec(), Limits?.ToLimits() ?? Domain.Rules.Limits.None, Experiment?.ToExperiment(), Message?.ToMessage(),
        AttributionDays ?? RuleDefinition.DefaultAttributionDays);

    public void CopyFrom(RuleDefinition d)
    {
        Name = d.Name;
        Priority = d.Priority;
        Trigger = RuleTrigger.Of(d.Trigger);
        Eligibility = RuleEligibility.From(d.Eligibility);
        Reward = RuleReward.From(d.Reward);
        Limits = RuleLimits.From(d.Limits);
        Experiment = d.Experiment is { } e ? RuleExperiment.From(e) : null;
        Message = d.Message is { } m ? RuleMessage.From(m) : null;
        AttributionDays = d.AttributionDays;
    }

    /// <summary>The fields filled with <paramref name="definition"/>.</summary>
    public static RuleFields Of(RuleDefinition definition)
    {
        var fields = new RuleFields();
        fields.CopyFrom(definition);
        return fields;
    }
}

[Discriminated(typeof(RuleSpecVariants), nameof(RuleSpecVariants.Triggers))]
public sealed class RuleTrigger
{
    /// <summary>Win-back: inactivity (days since the last activity of the listed types), cancellation (days since a subscription_cancelled), never_purchased (days since first seen, for customers with no purchase), at_risk (the moment the customer's P(alive) under the tenant's purchase model falls below pAliveBelow; customers with at least one repeat purchase; once per purchase cycle). Moments, each fired once per customer: welcome (days after first seen, 0 allowed), nth_purchase (the count-th order), lifetime_value_reached (lifetime value first reaches amount in currency), anniversary (each of years after the first purchase, or first seen with from), birthday (daysBefore the profile's birthday, once a year, in the tenant's timeZone). A moment rule fires only moments that come while it is active. Churn signals: usage_decline (the activities in the last recentDays fall below dropBelow × what the baselineDays before predict; fires once per decline, re-arms at rearmAbove), contact_burst (count activities within withinDays; re-arms below count), payment_failed (each payment_failed activity or Stripe invoice.payment_failed; its outcome is a purchase within attributionDays). Signals count activities per day in the tenant's timeZone, each at its day's start, so they fire at local midnights. Save offers: cancellation_intent (no fields; never swept: the product's cancel flow asks POST /v1/customers/{id}/save-offers, and the highest-priority such rule whose eligibility matches the stated reason makes the offer).</summary>
    /// <example>inactivity</example>
    public TriggerType? Type { get; set; }
    /// <summary>The window in days, 1 to 3650 (welcome: 0 to 3650). Only for inactivity, cancellation, never_purchased and welcome.</summary>
    /// <example>90</example>
    public int? Days { get; set; }
    /// <summary>at_risk only, and required there: the P(alive) threshold, strictly between 0 and 1.</summary>
    /// <example>0.3</example>
    public double? PAliveBelow { get; set; }
    /// <summary>inactivity only: the activity types that count as activity. Default: all. A customer with none of them is not caught.</summary>
    public List<ActivityType>? ActivityTypes { get; set; }
    /// <summary>inactivity only: a window on each customer's own rhythm. A customer with at least minPurchases purchases lapses after multiple × the median gap between their purchases (fractional days, over their latest 32 purchases recorded through WinBack); everyone else after `days`.</summary>
    public RulePersonalWindow? PersonalWindow { get; set; }
    /// <summary>nth_purchase and contact_burst only, and required there: for nth_purchase the order count (imported orders included) whose reaching is the moment, 1 to 1,000,000; for contact_burst the activities within withinDays that make a burst, 2 to 1,000,000.</summary>
    /// <example>3</example>
    public int? Count { get; set; }
    /// <summary>lifetime_value_reached only, and required there: the lifetime value in minor units, 1 or more.</summary>
    /// <example>50000</example>
    public long? Amount { get; set; }
    /// <summary>lifetime_value_reached only, and required there: the ISO 4217 currency of amount.</summary>
    /// <example>eur</example>
    public string? Currency { get; set; }
    /// <summary>anniversary only, and required there: 1 to 20 distinct anniversaries in years, each 1 to 100; each fires once.</summary>
    public List<int>? Years { get; set; }
    /// <summary>anniversary only: first_purchase (default) or first_seen, what the years count from.</summary>
    /// <example>first_purchase</example>
    public AnniversaryFrom? From { get; set; }
    /// <summary>birthday only: days before the birthday (0 to 60; default 0, the day itself), at the start of that day in the tenant's timeZone.</summary>
    /// <example>7</example>
    public int? DaysBefore { get; set; }
    /// <summary>usage_decline only, and required there: 1 to 20 activity kinds counted, each an activity type in snake_case or custom:NAME.</summary>
    /// <example>["login", "custom:report_viewed"]</example>
    public List<string>? Activities { get; set; }
    /// <summary>contact_burst only, and required there: the activity kind counted, an activity type in snake_case or custom:NAME.</summary>
    /// <example>custom:support_contact</example>
    public string? Activity { get; set; }
    /// <summary>usage_decline only, and required there: the recent window in days, 1 to 365.</summary>
    /// <example>14</example>
    public int? RecentDays { get; set; }
    /// <summary>usage_decline only, and required there: the baseline window in days (just before the recent one), 1 to 365.</summary>
    /// <example>56</example>
    public int? BaselineDays { get; set; }
    /// <summary>usage_decline only, and required there: fires when the recent count falls below this share of the count the baseline predicts for the recent window's length; strictly between 0 and 1.</summary>
    /// <example>0.4</example>
    public double? DropBelow { get; set; }
    /// <summary>usage_decline only: re-arms (closes the episode, so that the next decline fires again) once the ratio is at or above this; greater than dropBelow, at most 100; default 0.8.</summary>
    /// <example>0.8</example>
    public double? RearmAbove { get; set; }
    /// <summary>usage_decline only, and required there: the activities the baseline window must hold for the trigger to fire or re-arm, 1 to 1,000,000.</summary>
    /// <example>8</example>
    public int? MinBaseline { get; set; }
    /// <summary>contact_burst only, and required there: the window in days, 1 to 365.</summary>
    /// <example>30</example>
    public int? WithinDays { get; set; }

    public Trigger ToTrigger() =>
        new(Type!.Value, Days ?? 0, ActivityTypes?.Distinct().ToList() ?? [], PersonalWindow?.ToPersonalWindow())
        {
            PAliveBelow = PAliveBelow, Count = Count, Amount = Amount is { } amount ? new Money(amount, Currency!) : null,
            Years = Years?.Distinct().Order().ToList(), From = Type == TriggerType.Anniversary ? From ?? AnniversaryFrom.FirstPurchase : null,
            DaysBefore = Type == TriggerType.Birthday ? DaysBefore ?? 0 : null,
            Activities = Activities?.Distinct().ToList(), Activity = Activity, RecentDays = RecentDays, BaselineDays = BaselineDays, DropBelow = DropBelow,
            RearmAbove = Type == TriggerType.UsageDecline ? RearmAbove ?? Signals.DefaultRearmAbove : null, MinBaseline = MinBaseline, WithinDays = WithinDays,
        };

    public static RuleTrigger Of(Trigger t) => new()
    {
        Type = t.Type, Days = HasDays(t.Type) ? t.Days : null,
        ActivityTypes = t.Type == TriggerType.Inactivity ? [.. t.ActivityTypes] : null, // echoed only where it may be sent back
        PAliveBelow = t.PAliveBelow, PersonalWindow = RulePersonalWindow.From(t.PersonalWindow),
        Count = t.Count, Amount = t.Amount?.Amount, Currency = t.Amount?.Currency, Years = t.Years?.ToList(), From = t.From, DaysBefore = t.DaysBefore,
        Activities = t.Activities?.ToList(), Activity = t.Activity, RecentDays = t.RecentDays, BaselineDays = t.BaselineDays, DropBelow = t.DropBelow,
        RearmAbove = t.RearmAbove, MinBaseline = t.MinBaseline, WithinDays = t.WithinDays,
    };

    /// <summary>Whether a trigger type has a window in days.</summary>
    public static bool HasDays(TriggerType? type) =>
        type is TriggerType.Inactivity or TriggerType.Cancellation or TriggerType.NeverPurchased or TriggerType.Welcome;
}

public sealed class RulePersonalWindow
{
    /// <summary>How many median gaps of silence make the customer lapsed, more than 0 and at most 100.</summary>
    /// <example>2.5</example>
    public double? Multiple { get; set; }
    /// <summary>Purchases a customer needs before their own window applies, 2 to 32 (a gap needs two); default 3.</summary>
    /// <example>3</example>
    public int? MinPurchases { get; set; }

    public PersonalWindow ToPersonalWindow() => new(Multiple!.Value, MinPurchases ?? 3);

    public static RulePersonalWindow? From(PersonalWindow? p) => p is null ? null : new() { Multiple = p.Multiple, MinPurchases = p.MinPurchases };
}

public sealed class RuleEligibility
{
    /// <summary>Lifetime value (purchases minus refunds, imported history included) of at least this, in its currency.</summary>
    public MoneyAmount? MinLifetimeValue { get; set; }
    /// <summary>Lifetime value of at most this, in its currency.</summary>
    public MoneyAmount? MaxLifetimeValue { get; set; }
    /// <summary>At least this many orders, imported history included.</summary>
    /// <example>2</example>
    public int? MinOrderCount { get; set; }
    /// <summary>Only customers whose latest cancellation gave one of these reasons.</summary>
    public List<ChurnReason>? ChurnReasons { get; set; }
    /// <summary>Only customers whose profile attributes have all these values, e.g. {"channel": "web"}.</summary>
    public Dictionary<string, string>? Attributes { get; set; }

    /// <summary>Customers first seen at least this many days before (their age as customers; an import's first seen counts), 0 to 36,500.</summary>
    /// <example>365</example>
    public int? MinCustomerDays { get; set; }

    public Eligibility ToEligibility() => new(MinLifetimeValue?.ToMoney(), MaxLifetimeValue?.ToMoney(), MinOrderCount,
        ChurnReasons?.Distinct().ToList() ?? [], Attributes ?? new Dictionary<string, string>()) { MinCustomerDays = MinCustomerDays };

    public static RuleEligibility From(Eligibility e) => new()
    {
        MinLifetimeValue = MoneyAmount.From(e.MinLifetimeValue), MaxLifetimeValue = MoneyAmount.From(e.MaxLifetimeValue),
        MinOrderCount = e.MinOrderCount, ChurnReasons = [.. e.ChurnReasons], Attributes = new Dictionary<string, string>(e.Attributes),
        MinCustomerDays = e.MinCustomerDays,
    };
}

[Published]
[Discriminated(typeof(RuleSpecVariants), nameof(RuleSpecVariants.Rewards))]
public sealed class RuleReward
{
    /// <summary>account_credit (amount, currency), percent_discount (percent, uses), free_product (sku), custom (payload), or, for cancellation_intent rules only, pause (days: the subscription is paused that long) and trial_extension (days of free trial added).</summary>
    /// <example>account_credit</example>
    public RewardType? Type { get; set; }
    /// <summary>account_credit: the credit in minor units (cents), 1 to 100,000,000.</summary>
    /// <example>1000</example>
    public long? Amount { get; set; }
    /// <summary>account_credit: ISO 4217 currency code.</summary>
    /// <example>eur</example>
    public string? Currency { get; set; }
    /// <summary>percent_discount: percent off, 1 to 100.</summary>
    /// <example>20</example>
    public int? Percent { get; set; }
    /// <summary>percent_discount: how many purchases it applies to, 1 to 100; default 1.</summary>
    /// <example>1</example>
    public int? Uses { get; set; }
    /// <summary>free_product: your product's SKU, up to 100 characters.</summary>
    /// <example>SKU-TOTE-BAG</example>
    public string? Sku { get; set; }
    /// <summary>custom: a JSON object passed to your systems as is, up to 4 KiB.</summary>
    public JsonElement? Payload { get; set; }
    /// <summary>Days from issue until the reward expires, 1 to 3650. Not for pause and trial_extension, which are applied when given.</summary>
    /// <example>30</example>
    public int? ExpiresInDays { get; set; }
    /// <summary>pause: days the subscription is paused; trial_extension: days of free trial added (to the later of the current trial end and now). 1 to 365.</summary>
    /// <example>30</example>
    public int? Days { get; set; }
    /// <summary>immediate: usable at once. on_return: pending until the customer comes back. Default immediate.</summary>
    /// <example>immediate</example>
    public RewardGrant? Grant { get; set; }

    public RewardSpec ToSpec() => new(Type!.Value,
        Type == RewardType.AccountCredit ? new Money(Amount!.Value, Currency!) : null,
        Percent, Type == RewardType.PercentDiscount ? Uses ?? 1 : null, Sku, Payload?.Clone(), ExpiresInDays ?? Days!.Value, Grant ?? RewardGrant.Immediate, Days);

    public static RuleReward From(RewardSpec r) => new()
    {
        Type = r.Type, Amount = r.Credit?.Amount, Currency = r.Credit?.Currency, Percent = r.Percent, Uses = r.Uses, Sku = r.Sku,
        Payload = r.Payload, ExpiresInDays = r.ChangesSubscription() ? null : r.ExpiresInDays, Grant = r.Grant, Days = r.Days,
    };
}

public sealed class RuleLimits
{
    /// <summary>Most credit the rule may ever issue, in the reward's currency. Only for account_credit rewards. Null: no limit.</summary>
    public MoneyAmount? TotalBudget { get; set; }
    /// <summary>Most credit per UTC day, in the reward's currency. Only for account_credit rewards. Null: no limit.</summary>
    public MoneyAmount? DailyBudget { get; set; }
    /// <summary>Most rewards one customer may get from this rule, 1 to 100. Null: no limit.</summary>
    /// <example>1</example>
    public int? MaxRewardsPerCustomer { get; set; }
    /// <summary>Days after any win-back reward during which the customer gets no other, 0 to 3650. Null: none.</summary>
    /// <example>180</example>
    public int? CooldownDays { get; set; }

    public Limits ToLimits() => new(TotalBudget?.ToMoney(), DailyBudget?.ToMoney(), MaxRewardsPerCustomer, CooldownDays);

    public static RuleLimits From(Limits l) => new()
    {
        TotalBudget = MoneyAmount.From(l.TotalBudget), DailyBudget = MoneyAmount.From(l.DailyBudget),
        MaxRewardsPerCustomer = l.MaxRewardsPerCustomer, CooldownDays = l.CooldownDays,
    };
}

public sealed class RuleExperiment
{
    /// <summary>Percent of eligible customers who get no reward, for comparison, 0 to 50.</summary>
    /// <example>10</example>
    public int? HoldoutPercent { get; set; }
    /// <summary>1 to 10 variants sharing the rest by weight. Leave out for one arm with the rule's reward.</summary>
    public List<RuleVariant>? Variants { get; set; }

    public Experiment ToExperiment() => new(HoldoutPercent ?? 0, Variants?.Select(v => v.ToVariant()).ToList() ?? []);

    public static RuleExperiment From(Experiment e) => new() { HoldoutPercent = e.HoldoutPercent, Variants = e.Variants.Select(RuleVariant.From).ToList() };
}

public sealed class RuleVariant
{
    /// <summary>Unique within the rule, up to 40 letters, digits, '-' or '_'; "holdout" and "default" are reserved.</summary>
    /// <example>B</example>
    public string? Name { get; set; }
    /// <summary>Relative share of the non-held-out customers, 1 to 1000.</summary>
    /// <example>50</example>
    public int? Weight { get; set; }
    /// <summary>Replaces the rule's reward for this variant.</summary>
    public RuleReward? Reward { get; set; }
    /// <summary>Replaces the rule's trigger days for this variant (only days can change).</summary>
    public RuleVariantTrigger? Trigger { get; set; }
    /// <summary>Replaces the rule's message for this variant.</summary>
    public RuleMessage? Message { get; set; }

    public Variant ToVariant() => new(Name!, Weight!.Value, Reward?.ToSpec(), Trigger?.Days, Message?.ToMessage());

    public static RuleVariant From(Variant v) => new()
    {
        Name = v.Name, Weight = v.Weight, Reward = v.Reward is { } r ? RuleReward.From(r) : null,
        Trigger = v.TriggerDays is { } days ? new RuleVariantTrigger { Days = days } : null,
        Message = v.Message is { } m ? RuleMessage.From(m) : null,
    };
}

public sealed class RuleVariantTrigger
{
    /// <summary>The variant's window in days, 1 to 3650.</summary>
    /// <example>60</example>
    public int? Days { get; set; }
}

public sealed class RuleMessage
{
    /// <summary>Up to 200 characters. Placeholders: {{customer.id}}, {{customer.email}}, {{reward.id}}, {{reward.type}}, {{reward.amount}}, {{reward.currency}}, {{reward.percent}}, {{reward.uses}}, {{reward.sku}}, {{reward.expiresAt}}, {{rule.name}}.</summary>
    /// <example>We miss you, {{customer.id}}</example>
    public string? Subject { get; set; }
    /// <summary>Up to 5000 characters, with the same placeholders as the subject.</summary>
    /// <example>Here is {{reward.amount}} until {{reward.expiresAt}}</example>
    public string? Body { get; set; }

    public Message ToMessage() => new(Subject!, Body!);

    public static RuleMessage From(Message m) => new() { Subject = m.Subject, Body = m.Body };
}

/// <summary>An amount in integer minor units (cents) of an ISO 4217 currency.</summary>
public sealed class MoneyAmount
{
    /// <summary>Minor units, 0 or more.</summary>
    /// <example>5000</example>
    public long? Amount { get; set; }
    /// <summary>ISO 4217 currency code, lower case.</summary>
    /// <example>eur</example>
    public string? Currency { get; set; }

    public Money ToMoney() => new(Amount!.Value, Currency!);

    public static MoneyAmount? From(Money? m) => m is null ? null : new MoneyAmount { Amount = m.Amount, Currency = m.Currency };
}
