using WinBack.Domain.Common;
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
    public const string SaveOfferPresented = "save_offer.presented";
    public const string SaveOfferAccepted = "save_offer.accepted";
    public const string SaveOfferDeclined = "save_offer.declined";
    public const string SaveOfferSaved = "save_offer.saved";
    public const string Ping = "ping";
    public const string All = "*";

    // Which domain event becomes which webhook type, in the order the types are listed to consumers. An event whose type
    // is not here is not published (activities, profiles, ...); one with a condition only when the condition holds.
    private static readonly (Type Event, string Type, Func<object, bool> When)[] Sources =
    [
        Source<Customers.CustomerLapsed>(CustomerLapsed),
        Source<Customers.RewardIssued>(RewardIssued),
        // A discount pushed to Stripe is announced once its promotion code exists (or once the push was given up).
        Source<RewardSyncedToStripe>(RewardIssued, e => e.Action == StripeSyncAction.Discount),
        Source<RewardStripeSyncFailed>(RewardIssued, e => e.Action == StripeSyncAction.Discount),
        Source<Customers.RewardRedeemed>(RewardRedeemed),
        Source<RewardExpiryApproached>(RewardExpiringSoon),
        Source<Customers.RewardExpired>(RewardExpired),
        Source<Customers.RewardRevoked>(RewardRevoked),
        Source<Customers.CustomerReactivated>(CustomerReactivated),
        .. DomainEvents.All.Where(typeof(IRuleEvent).IsAssignableFrom).Select(t => (t, RuleUpdated, (Func<object, bool>)(_ => true))),
        Source<Customers.SaveOfferPresented>(SaveOfferPresented),
        Source<Customers.SaveOfferAccepted>(SaveOfferAccepted),
        Source<Customers.SaveOfferDeclined>(SaveOfferDeclined),
        // A holdout customer who stayed is the comparison, not a save.
        Source<SaveOfferValidated>(SaveOfferSaved, e => !e.Holdout),
    ];

    /// <summary>The types consumers can subscribe to.</summary>
    public static readonly IReadOnlyList<string> Subscribable = Sources.Select(s => s.Type).Distinct().ToArray();

    /// <summary>The types a webhook can carry: the subscribable ones and ping.</summary>
    public static readonly IReadOnlyList<string> Delivered = [.. Subscribable, Ping];

    /// <summary>What an endpoint's subscription list may hold: "*" (every type) and the subscribable types.</summary>
    public static readonly IReadOnlyList<string> Subscriptions = [All, .. Subscribable];

    /// <summary>The domain events that can become webhooks (what the outbox reads).</summary>
    public static readonly IReadOnlyList<Type> Published = Sources.Select(s => s.Event).Distinct().ToArray();

    /// <summary>The domain events that become webhooks of <paramref name="type"/>, in the order listed above.</summary>
    public static IReadOnlyList<Type> EventsOf(string type) => Sources.Where(s => s.Type == type).Select(s => s.Event).Distinct().ToArray();

    /// <summary>The webhook type of a stored event, or null for events that are not published.</summary>
    public static string? Of(object e)
    {
        // A plain loop: the writer asks this of every event it appends.
        foreach (var (source, type, when) in Sources)
            if (source == e.GetType() && when(e))
                return type;
        return null;
    }

    private static (Type, string, Func<object, bool>) Source<T>(string type, Func<T, bool>? when = null) =>
        (typeof(T), type, e => when?.Invoke((T)e) ?? true);
}
