using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Stripe;

/// <summary>
/// What one Stripe sync sends, fixed when it is queued (stored as jsonb), so every retry sends the very same parameters:
/// Stripe answers a reused Idempotency-Key with other parameters with an error.
/// </summary>
/// <param name="Amount">Balance transactions: negative credits the customer, positive takes the credit back.</param>
/// <param name="PercentOff">Discounts: the coupon's percent; <paramref name="Uses"/> becomes the promotion code's max_redemptions.</param>
/// <param name="SubscriptionId">Pause and trial extension: the subscription changed.</param>
/// <param name="ResumesAt">Pause: when collection resumes (unix seconds).</param>
/// <param name="TrialDays">Trial extension: the days added to the later of the current trial end and <paramref name="TrialFrom"/> (the accept, unix seconds).</param>
/// <param name="TrialEnd">Trial extension: the new trial_end, fixed (and stored) before the first update is sent, so a retry sends the same.</param>
public sealed record StripeSyncRequest(
    long? Amount, string? Currency, string Description, Dictionary<string, string> Metadata,
    int? PercentOff = null, int? Uses = null, long? ExpiresAt = null, string? SubscriptionId = null, long? ResumesAt = null,
    int? TrialDays = null, long? TrialFrom = null, long? TrialEnd = null)
{
    public static string IdempotencyKey(string rewardId, StripeSyncAction action) => $"winback_{rewardId}_{action.ToString().ToLowerInvariant()}";

    private static Dictionary<string, string> MetadataOf(RewardIssued r) => new()
    {
        ["rewardId"] = r.RewardId, ["ruleId"] = r.RuleId ?? "", ["episodeId"] = r.EpisodeId ?? "",
    };

    /// <summary>The request for a reward that reaches Stripe when issued (or unlocked): a credit or a discount; null for other types.</summary>
    public static (StripeSyncAction Action, StripeSyncRequest Request)? ForIssue(RewardIssued r) => r.Type switch
    {
        RewardType.AccountCredit => (StripeSyncAction.Credit,
            new StripeSyncRequest(-r.Amount!.Value, r.Currency, $"WinBack reward {r.RewardId}", MetadataOf(r))),
        RewardType.PercentDiscount => (StripeSyncAction.Discount,
            new StripeSyncRequest(null, null, $"WinBack reward {r.RewardId}", MetadataOf(r), r.Percent, r.Uses ?? 1, r.ExpiresAt.ToUnixTimeSeconds())),
        _ => null,
    };

    /// <summary>The subscription change of an accepted save offer that the tenant's Stripe connection applies; null for other rewards.</summary>
    public static (StripeSyncAction Action, StripeSyncRequest Request)? ForSave(SaveOfferAccepted a)
    {
        var metadata = new Dictionary<string, string> { ["rewardId"] = a.RewardId, ["saveOfferId"] = a.OfferId };
        var description = $"WinBack save offer {a.OfferId}";
        return a switch
        {
            { PushedToStripe: false } => null,
            { RewardType: RewardType.Pause, EndsAt: { } end } => (StripeSyncAction.Pause,
                new StripeSyncRequest(null, null, description, metadata, SubscriptionId: a.SubscriptionId, ResumesAt: end.ToUnixTimeSeconds())),
            { RewardType: RewardType.TrialExtension, Days: { } days } => (StripeSyncAction.TrialExtension,
                new StripeSyncRequest(null, null, description, metadata, SubscriptionId: a.SubscriptionId, TrialDays: days,
                    TrialFrom: a.AcceptedAt.ToUnixTimeSeconds())),
            _ => null,
        };
    }

    /// <summary>Trial extension: the later of the current trial end and the accept, plus the days (unix seconds).</summary>
    public long NewTrialEnd(DateTime? currentTrialEnd) =>
        Math.Max(currentTrialEnd is { } current ? new DateTimeOffset(current, TimeSpan.Zero).ToUnixTimeSeconds() : 0, TrialFrom!.Value)
        + (long)TrialDays!.Value * 86_400;

    /// <summary>Takes back the unused part of a credit that expired or was revoked.</summary>
    public static StripeSyncRequest Reversal(RewardIssued r, long unused, string why) =>
        new(unused, r.Currency, $"WinBack reward {r.RewardId} {why}: unused credit reversed", MetadataOf(r));
}
