using WinBack.Api.Infrastructure.Hosting;
using System.Text.Json;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rewards;

/// <summary>One use of a reward at checkout.</summary>
/// <param name="Id">The redemption's id (<c>red_…</c>); a refund of the order reverses it by this id.</param>
/// <param name="Amount">Credit used, in minor units; null for a use of a discount, product or custom reward.</param>
/// <param name="Reversed">True once the order was refunded and the value went back to the reward.</param>
public sealed record RedemptionView(string Id, string RewardId, string CustomerId, string OrderId, long? Amount, string? Currency,
    DateTimeOffset RedeemedAt, bool Reversed)
{
    public static RedemptionView Of(RewardState reward, Redemption r) =>
        new(r.Id, reward.Id, reward.Issued.CustomerId, r.OrderId, r.Amount, r.Amount is null ? null : reward.Issued.Currency, r.RedeemedAt, r.Reversed);
}

/// <summary>The window a customer lapsed after.</summary>
/// <param name="Days">Its length in fractional days.</param>
/// <param name="Source">personal: multiple × the customer's median gap between purchases (the rule's personalWindow); rule: the rule's (or variant's) days.</param>
[Published]
public sealed record LapseWindowView(double Days, WindowSource Source)
{
    public static LapseWindowView? Of(LapseWindow? w) => w is null ? null : new(Math.Round(w.Days, 6), w.Source);
}

/// <summary>A reward in the ledger: what was issued, and where it stands.</summary>
/// <param name="Id">The reward's id (<c>rwd_…</c>).</param>
/// <param name="EpisodeId">The lapse episode it answers; null for a manual reward and a save offer's.</param>
/// <param name="RuleId">The rule that issued it; null for a manual reward.</param>
/// <param name="Variant">The experiment arm ("default" without an experiment); null for a manual reward.</param>
/// <param name="Amount">account_credit: the credit issued, in minor units.</param>
/// <param name="Status">pending (on_return, until the customer comes back), available, redeemed (used up), expired or revoked.</param>
/// <param name="Remaining">What is left: credit in minor units for account_credit, uses for the other types.</param>
/// <param name="Note">Why an admin issued it (manual rewards), or the save offer it answers ("Save offer sof_…").</param>
/// <param name="StripeSync">Where it stands in the customer's Stripe account (GET responses; null when it does not go to Stripe).</param>
/// <param name="Window">The window the customer lapsed after (a rule's reward); null for a manual reward.</param>
/// <param name="TriggeredAt">A moment's or churn signal's reward: the instant the trigger fired (the sweep issues the reward at its next tick); null otherwise.</param>
/// <param name="Days">pause and trial_extension (a save offer's reward): the days paused or of free trial; applied when given, so redeemed at once.</param>
public sealed record RewardView(
    string Id, string CustomerId, string? EpisodeId, string? RuleId, int? RuleVersion, string? Variant, RewardType Type,
    long? Amount, string? Currency, int? Percent, int? Uses, string? Sku, JsonElement? Payload, RewardGrant Grant,
    DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, RewardStatus Status, long Remaining, string? Note,
    IReadOnlyList<RedemptionView> Redemptions, Stripe.StripeSyncView? StripeSync = null, LapseWindowView? Window = null, DateTimeOffset? TriggeredAt = null, int? Days = null)
{
    public static RewardView Of(RewardState r)
    {
        var i = r.Issued;
        return new RewardView(i.RewardId, i.CustomerId, i.EpisodeId, i.RuleId, i.RuleVersion, i.Variant, i.Type, i.Amount, i.Currency,
            i.Percent, i.Uses, i.Sku, i.Payload, i.Grant, i.IssuedAt, i.ExpiresAt, r.Status, r.Remaining, i.Note,
            r.Redemptions.Select(x => RedemptionView.Of(r, x)).ToList(), Window: LapseWindowView.Of(i.Window), TriggeredAt: i.TriggeredAt, Days: i.Days);
    }

    public static readonly RewardView Example = new("rwd_01jdq3w5x8k2m9v4r7t6y1z0ag", "cus_4711", "lap_01jdq3w5x8k2m9v4r7t6y1z0af",
        "rule_01jdq3w5x8k2m9v4r7t6y1z0ae", 1, "default", RewardType.AccountCredit, 1000, "eur", null, null, null, null,
        RewardGrant.Immediate, DateTimeOffset.Parse("2026-11-24T09:05:00Z"), DateTimeOffset.Parse("2026-12-24T09:05:00Z"),
        RewardStatus.Available, 700, null,
        [new RedemptionView("red_01jdq3w5x8k2m9v4r7t6y1z0ah", "rwd_01jdq3w5x8k2m9v4r7t6y1z0ag", "cus_4711", "A-1002", 300, "eur",
            DateTimeOffset.Parse("2026-11-30T18:20:00Z"), false)], Window: new LapseWindowView(17.5, WindowSource.Personal));
}
