using WinBack.Domain.Rules;

namespace WinBack.Domain.Customers;

/// <summary>The events of one save offer, on its customer's stream; <see cref="OfferId"/> groups them.</summary>
public interface ISaveOfferEvent : ICustomerEvent
{
    string OfferId { get; }
}

/// <summary>
/// The product's cancel flow asked for a save offer at <paramref name="PresentedAt"/>. <paramref name="Offer"/> is the reward offered, or
/// null: no cancellation_intent rule matched the reason (<paramref name="RuleId"/> null), the customer is in the rule's holdout, or a
/// guard rail withheld it (<paramref name="Withheld"/>). <paramref name="CooldownDays"/> is the rule's cap between accepted saves.
/// </summary>
public sealed record SaveOfferPresented(
    string CustomerId, string OfferId, string SubscriptionId, ChurnReason Reason, string? RuleId, int? RuleVersion, string? Variant,
    RewardSpec? Offer, WithheldReason? Withheld, int? CooldownDays, DateTimeOffset PresentedAt) : ISaveOfferEvent;

/// <summary>
/// The customer took the offer; its reward is <paramref name="RewardId"/> (issued in the same write). <paramref name="EndsAt"/> is when
/// a pause ends or the extended trial ends (WinBack's count: accept plus days), null for other rewards. <paramref name="PushedToStripe"/>:
/// the tenant's Stripe connection applies it; otherwise the product does, from the save_offer.accepted webhook.
/// </summary>
public sealed record SaveOfferAccepted(
    string CustomerId, string OfferId, string RewardId, string SubscriptionId, RewardType RewardType, int? Days, DateTimeOffset AcceptedAt,
    DateTimeOffset? EndsAt, DateTimeOffset ValidatesAt, bool PushedToStripe) : ISaveOfferEvent;

public sealed record SaveOfferDeclined(string CustomerId, string OfferId, DateTimeOffset DeclinedAt) : ISaveOfferEvent;

/// <summary>
/// The save counts: the customer had not cancelled 30 days after the accept (after the pause end, if later) and, after a pause or trial
/// extension, paid again. For a holdout offer: had not cancelled 30 days after the presentation (the comparison).
/// <paramref name="RevenueKept"/> is the customer's revenue (purchases less refunds, per currency) from the presentation until then.
/// </summary>
/// <param name="Holdout">The customer got no offer (the rule's holdout): a comparison, not a save.</param>
public sealed record SaveOfferValidated(string CustomerId, string OfferId, DateTimeOffset ValidatedAt, IReadOnlyDictionary<string, long> RevenueKept,
    bool Holdout) : ISaveOfferEvent;

/// <summary>The customer cancelled before the save was validated.</summary>
public sealed record SaveOfferLost(string CustomerId, string OfferId, DateTimeOffset CancelledAt) : ISaveOfferEvent;

/// <summary>
/// presented (an offer awaits an answer), none (no rule matched), holdout, withheld (a guard rail), accepted, declined, saved
/// (validated) or lost (cancelled before validation).
/// </summary>
public enum SaveOfferStatus { Presented, None, Holdout, Withheld, Accepted, Declined, Saved, Lost }

/// <summary>A save offer as the customer's stream stands.</summary>
/// <param name="ValueAtPresentation">The customer's recorded lifetime value when it was presented: revenue kept counts from here.</param>
public sealed record SaveOfferState(
    SaveOfferPresented Presented, SaveOfferStatus Status, IReadOnlyDictionary<string, long> ValueAtPresentation,
    SaveOfferAccepted? Accepted = null, DateTimeOffset? AnsweredAt = null, DateTimeOffset? SettledAt = null)
{
    public string Id => Presented.OfferId;

    /// <summary>When the outcome is due: 30 days after the accept (or the pause end, if later), or after the presentation for the holdout.</summary>
    public DateTimeOffset? ValidatesAt => Status switch
    {
        SaveOfferStatus.Accepted => Accepted!.ValidatesAt,
        SaveOfferStatus.Holdout => Presented.PresentedAt.AddDays(SaveOfferDecider.ValidationDays),
        _ => null,
    };

    public static SaveOfferState Of(SaveOfferPresented e, IReadOnlyDictionary<string, long> value) => new(e, e switch
    {
        { Offer: not null } => SaveOfferStatus.Presented,
        { Withheld: WithheldReason.Holdout } => SaveOfferStatus.Holdout,
        { Withheld: not null } => SaveOfferStatus.Withheld,
        _ => SaveOfferStatus.None,
    }, value);
}
