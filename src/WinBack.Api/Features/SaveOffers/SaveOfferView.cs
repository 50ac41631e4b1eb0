using WinBack.Api.Features.Rules;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.SaveOffers;

/// <summary>A save offer made to a customer at a cancel attempt, and what became of it.</summary>
/// <param name="Id">The offer's id (<c>sof_…</c>): accept or decline it by this id.</param>
/// <param name="Status">presented (awaiting an answer), none (no cancellation_intent rule matched the reason), holdout (the rule's holdout: no offer, followed for comparison), withheld (a guard rail; see withheld), accepted, declined, saved (validated 30 days on) or lost (cancelled before).</param>
/// <param name="Holdout">True for a customer in the rule's holdout: the cancel flow shows no offer.</param>
/// <param name="Offer">The reward offered, as in a rule; null when there is no offer.</param>
/// <param name="Withheld">Why no offer was made although a rule matched: holdout, cooldown (a save was accepted within the rule's cooldown, counted from the end of its pause or trial extension, or its accept), per_customer_cap or budget.</param>
/// <param name="RewardId">The reward issued when the offer was accepted.</param>
/// <param name="EndsAt">When the pause ends (Stripe's resumes_at), or the extended trial ends by WinBack's count (accept plus days).</param>
/// <param name="ValidatesAt">When the save is checked: 30 days after the accept (or the pause end, if later); after a pause or trial extension it also waits for a payment.</param>
/// <param name="SettledAt">When it was validated (saved) or the customer cancelled (lost).</param>
/// <param name="RevenueKept">The customer's revenue from the presentation until the save was validated, per currency.</param>
/// <param name="PushedToStripe">True when WinBack applies the pause or trial extension to the Stripe subscription; otherwise the product applies it from the save_offer.accepted webhook.</param>
public sealed record SaveOfferView(
    string Id, string CustomerId, string SubscriptionId, ChurnReason Reason, SaveOfferStatus Status, bool Holdout, RuleReward? Offer,
    WithheldReason? Withheld, string? RuleId, int? RuleVersion, string? Variant, DateTimeOffset PresentedAt, string? RewardId,
    DateTimeOffset? AcceptedAt, DateTimeOffset? EndsAt, DateTimeOffset? ValidatesAt, DateTimeOffset? DeclinedAt, DateTimeOffset? SettledAt,
    IReadOnlyList<MoneyView> RevenueKept, bool PushedToStripe)
{
    public static SaveOfferView Of(SaveOfferRecord r) => new(r.Id, r.CustomerId, r.SubscriptionId, r.Reason, r.Status,
        r.Withheld == WithheldReason.Holdout, r.Offer is { } offer ? RuleReward.From(offer) : null, r.Withheld, r.RuleId, r.RuleVersion,
        r.Variant, r.PresentedAt, r.RewardId, r.AcceptedAt, r.EndsAt, r.ValidatesAt, r.DeclinedAt, r.SettledAt, MoneyView.ListOf(r.RevenueKept),
        r.PushedToStripe);

    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-11-24T09:05:00Z");

    public static readonly SaveOfferView Example = new("sof_01jdq3w5x8k2m9v4r7t6y1z0ah", "cus_4711", "sub_1Pgc76B7WZ01zgkW", ChurnReason.TooExpensive,
        SaveOfferStatus.Presented, false, new RuleReward { Type = RewardType.Pause, Days = 30, Grant = RewardGrant.Immediate }, null,
        "rule_01jdq3w5x8k2m9v4r7t6y1z0ae", 1, Domain.Rules.Variant.Default, At, null, null, null, null, null, null, [], false);

    public static readonly SaveOfferView AcceptedExample = Example with
    {
        Status = SaveOfferStatus.Accepted, RewardId = "rwd_01jdq3w5x8k2m9v4r7t6y1z0aj", AcceptedAt = At.AddMinutes(1),
        EndsAt = At.AddMinutes(1).AddDays(30), ValidatesAt = At.AddMinutes(1).AddDays(30), PushedToStripe = true,
    };
}
