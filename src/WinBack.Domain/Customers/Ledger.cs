using WinBack.Domain.Common;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Customers;

public enum RewardStatus { Pending, Available, Redeemed, Expired, Revoked }

/// <summary>One use of a reward; a reversed one gave its value back.</summary>
public sealed record Redemption(string Id, string OrderId, long? Amount, DateTimeOffset RedeemedAt, bool Reversed);

/// <summary>
/// A reward as the ledger stands: what was issued, its status, and what is left: credit in minor units for
/// account credit, uses for the other types (a free product or a custom reward is one use).
/// </summary>
/// <param name="Expired">Credit that left the balance by expiry, in minor units.</param>
/// <param name="Revoked">Credit that left the balance by revocation, in minor units.</param>
public sealed record RewardState(RewardIssued Issued, RewardStatus Status, long Remaining, IReadOnlyList<Redemption> Redemptions,
    long Expired = 0, long Revoked = 0, bool ExpiryNoticed = false, IReadOnlyList<RewardSyncedToStripe>? StripeSyncs = null,
    IReadOnlyList<StripeSyncAction>? StripeSyncsFailed = null)
{
    /// <summary>Credit used at checkout and not given back by a reversal.</summary>
    public long Redeemed => IsCredit ? Money.Sum(Redemptions.Where(r => !r.Reversed).Select(r => r.Amount ?? 0)) : 0;

    public string Id => Issued.RewardId;
    public bool IsCredit => Issued.Type == RewardType.AccountCredit;
    /// <summary>What the reward adds to the customer's balance: its unused credit, unless it is pending (used-up, expired and revoked ones have none).</summary>
    public long InBalance => IsCredit && Status != RewardStatus.Pending ? Remaining : 0;

    /// <summary>Pending and available rewards can still be used (once available) or expire.</summary>
    public bool IsOpen => Status is RewardStatus.Pending or RewardStatus.Available;

    // A pause or trial extension is applied to the subscription when it is given: nothing is left to redeem.
    public static RewardState Of(RewardIssued issued, bool pending) => issued.Type is RewardType.Pause or RewardType.TrialExtension
        ? new(issued, RewardStatus.Redeemed, 0, [])
        : new(issued, pending ? RewardStatus.Pending : RewardStatus.Available,
            issued.Type switch { RewardType.AccountCredit => issued.Amount ?? 0, RewardType.PercentDiscount => issued.Uses ?? 1, _ => 1 },
            []);

    public RewardState Apply(RewardRedeemed e)
    {
        var left = Money.Sum(Remaining, Money.Negate(IsCredit ? e.Amount ?? 0 : 1));
        return this with
        {
            Remaining = left,
            Status = left == 0 ? RewardStatus.Redeemed : Status,
            Redemptions = [.. Redemptions, new Redemption(e.RedemptionId, e.OrderId, e.Amount, e.RedeemedAt, false)],
        };
    }

    // A reversal gives the value back; a reward that has expired or been revoked since stays so (the decider
    // then expires the returned value again, so that it never comes back to the balance).
    public RewardState Apply(RewardRedemptionReversed e)
    {
        var redemption = Redemptions.Single(r => r.Id == e.RedemptionId);
        return this with
        {
            Remaining = Money.Sum(Remaining, IsCredit ? redemption.Amount ?? 0 : 1),
            Status = Status == RewardStatus.Redeemed ? RewardStatus.Available : Status,
            Redemptions = Redemptions.Select(r => r.Id == e.RedemptionId ? r with { Reversed = true } : r).ToList(),
        };
    }
}

/// <summary>The lapse episode a customer is in: opened by <see cref="CustomerLapsed"/>, closed by <see cref="CustomerReactivated"/>.</summary>
public sealed record OpenEpisode(string EpisodeId, string RuleId, int RuleVersion, string Variant, DateTimeOffset LapsedAt,
    IReadOnlyList<ActivityType> ReturnTypes);
