using System.Text.Json;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Customers;

/// <summary>Why a lapsed customer got no reward; recorded so that reports can count it.</summary>
public enum WithheldReason { Holdout, Budget, Cooldown, PerCustomerCap, Ineligible }

/// <summary>
/// Opens a lapse episode: the customer crossed a rule's window at <paramref name="LapsedAt"/> (the crossing moment,
/// not the sweep's). <paramref name="Variant"/> is the arm, or "holdout".
/// </summary>
/// <param name="ReturnTypes">The activity types whose next occurrence counts as the customer's return.</param>
/// <param name="AttributionDays">How long after the return the customer's revenue counts for this episode (the rule's).</param>
public sealed record CustomerLapsed(
    string CustomerId, string EpisodeId, string RuleId, int RuleVersion, string Variant,
    DateTimeOffset? LastActivityAt, DateTimeOffset LapsedAt, DateTimeOffset DetectedAt,
    IReadOnlyList<ActivityType> ReturnTypes, ChurnReason? ChurnReason, IReadOnlyDictionary<string, string> Attributes,
    int AttributionDays = RuleDefinition.DefaultAttributionDays) : ICustomerEvent;

/// <summary>
/// A moment rule's moment came for the customer at <paramref name="ReachedAt"/> (the moment, not the sweep's time), under
/// <paramref name="Key"/> (<see cref="Moment.Key"/>), which fires once per rule. Unlike a lapse it leaves the customer's status
/// as it is; it opens an episode for reports whose outcome is a purchase within <paramref name="AttributionDays"/>.
/// </summary>
public sealed record MomentReached(
    string CustomerId, string EpisodeId, string RuleId, int RuleVersion, string Variant, TriggerType Trigger, string Key,
    DateTimeOffset ReachedAt, DateTimeOffset DetectedAt, IReadOnlyDictionary<string, string> Attributes, int AttributionDays) : ICustomerEvent
{
    /// <summary>The instant the moment or signal fired: <see cref="ReachedAt"/>, under the name the API uses.</summary>
    public DateTimeOffset TriggeredAt => ReachedAt;

    /// <summary>How the customer's state remembers the moment.</summary>
    public static string Mark(string ruleId, string key) => $"{ruleId}/{key}";
}

/// <summary>
/// A signal rule re-armed for the customer at <paramref name="RearmedAt"/> (a local midnight): its episode, opened by a
/// <see cref="MomentReached"/>, closes, and the rule can fire again at the next crossing.
/// </summary>
public sealed record SignalRearmed(string CustomerId, string RuleId, DateTimeOffset RearmedAt, DateTimeOffset DetectedAt) : ICustomerEvent;

/// <summary>
/// Closes the open episode: the first qualifying activity after the lapse. It carries the activity's type and amount,
/// because a returning purchase is the first revenue after the return.
/// </summary>
public sealed record CustomerReactivated(string CustomerId, string EpisodeId, string ActivityId, DateTimeOffset ReactivatedAt,
    ActivityType ActivityType = ActivityType.Login, Common.Money? Amount = null) : ICustomerEvent;

/// <summary>A reward in the ledger. Rule fields are null for a manual reward, which carries a note instead.</summary>
/// <param name="Window">For a rule's reward: the window the customer lapsed after, and whether it was their own or the rule's.</param>
/// <param name="Days">For pause and trial_extension (a save offer's reward): the days paused or of free trial.</param>
/// <param name="TriggeredAt">For a moment's or a signal's reward: the instant it fired (the sweep issues it at its next tick).</param>
public sealed record RewardIssued(
    string CustomerId, string RewardId, string? EpisodeId, string? RuleId, int? RuleVersion, string? Variant,
    RewardType Type, long? Amount, string? Currency, int? Percent, int? Uses, string? Sku, JsonElement? Payload,
    DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, RewardGrant Grant, string? Note, LapseWindow? Window = null,
    DateTimeOffset? TriggeredAt = null, int? Days = null) : ICustomerEvent;

public sealed record RewardWithheld(string CustomerId, string EpisodeId, string RuleId, WithheldReason Reason, DateTimeOffset WithheldAt) : ICustomerEvent;

/// <summary>A use of a reward at checkout; <paramref name="Amount"/> is set for credits (partial allowed), null for one use of a discount.</summary>
public sealed record RewardRedeemed(
    string CustomerId, string RewardId, string RedemptionId, string OrderId, long? Amount, string? Currency, DateTimeOffset RedeemedAt) : ICustomerEvent;

/// <summary>The order that redeemed the reward was refunded: the value (or use) goes back to the reward.</summary>
public sealed record RewardRedemptionReversed(string CustomerId, string RewardId, string RedemptionId, DateTimeOffset ReversedAt) : ICustomerEvent;

/// <summary>
/// The reward's expiry is near (a configurable lead before expiresAt) and it is still open: recorded once per reward, so
/// the reward.expiring_soon webhook can remind the customer. <paramref name="Remaining"/> is credit for account_credit, uses otherwise.
/// </summary>
public sealed record RewardExpiryApproached(string CustomerId, string RewardId, long Remaining, string? Currency, DateTimeOffset ExpiresAt,
    DateTimeOffset NoticedAt) : ICustomerEvent;

/// <summary>What WinBack did to a reward in the customer's Stripe account; Pause and TrialExtension change a subscription (save offers).</summary>
public enum StripeSyncAction { Credit, Reversal, Discount, Pause, TrialExtension }

/// <summary>
/// A reward reached the customer's Stripe account: a balance credit (<paramref name="StripeObjectId"/> is the customer
/// balance transaction), the reversal of its unused part, or a coupon with a promotion code restricted to the customer.
/// </summary>
public sealed record RewardSyncedToStripe(string CustomerId, string RewardId, StripeSyncAction Action, string StripeObjectId,
    string? PromotionCode, DateTimeOffset SyncedAt) : ICustomerEvent;

/// <summary>WinBack gave up pushing the reward to Stripe (Stripe refused it, or every retry failed); the reward stays in WinBack's ledger.</summary>
public sealed record RewardStripeSyncFailed(string CustomerId, string RewardId, StripeSyncAction Action, string Error, DateTimeOffset FailedAt)
    : ICustomerEvent;

/// <summary>The reward reached its expiry; its unused credit (if any) leaves the balance.</summary>
public sealed record RewardExpired(string CustomerId, string RewardId, long? UnusedAmount, string? Currency, DateTimeOffset ExpiredAt) : ICustomerEvent;

/// <summary>An admin took the reward back; its unused credit (if any) leaves the balance.</summary>
public sealed record RewardRevoked(
    string CustomerId, string RewardId, string Reason, long? UnusedAmount, string? Currency, DateTimeOffset RevokedAt) : ICustomerEvent;
