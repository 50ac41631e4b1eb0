using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Webhooks;

/// <summary>The event types consumers subscribe to, and which domain event becomes which.</summary>
public static class WebhookEventTypes
{
    public const string CustomerLapsed = "customer.lapsed";
    public const string RewardIssued = "reward.issued";
    public const string RewardRedeemed = "reward.redeemed";
    public const string RewardExpiringSoon = "reward.expiring_soon";
    public const string RewardExpired = "reward.expired";
    public const string RewardRevoked = "reward.revoked";
    public const string CustomerReactivated = "customer.reactivated";
    public const string RuleUpdated = "rule.updated";
    public const string Ping = "ping";
    public const string All = "*";

    public static readonly IReadOnlyList<string> Subscribable =
        [CustomerLapsed, RewardIssued, RewardRedeemed, RewardExpiringSoon, RewardExpired, RewardRevoked, CustomerReactivated, RuleUpdated];

    /// <summary>The webhook type of a stored event, or null for events that are not published (activities, profiles, ...).</summary>
    public static string? Of(object e) => e switch
    {
        Customers.CustomerLapsed => CustomerLapsed,
        Customers.RewardIssued => RewardIssued,
        // Qualified: the bare name is this class's string constant, which would make the arm a constant pattern.
        Customers.RewardRedeemed => RewardRedeemed,
        RewardExpiryApproached => RewardExpiringSoon,
        // A discount pushed to Stripe is announced once its promotion code exists (or once the push was given up).
        RewardSyncedToStripe { Action: StripeSyncAction.Discount } or RewardStripeSyncFailed { Action: StripeSyncAction.Discount } => RewardIssued,
        Customers.RewardExpired => RewardExpired,
        Customers.RewardRevoked => RewardRevoked,
        Customers.CustomerReactivated => CustomerReactivated,
        RuleCreated or RuleRevised or RuleActivated or RulePaused or RuleArchived => RuleUpdated,
        _ => null,
    };
}
