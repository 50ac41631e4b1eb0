using WinBack.Domain.Common;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Customers;

public sealed record RedeemReward(string RewardId, string RedemptionId, string OrderId, Money? Amount, DateTimeOffset Now);

public sealed record ReverseRedemption(string RewardId, string RedemptionId, DateTimeOffset Now);

public sealed record RevokeReward(string RewardId, string Reason, DateTimeOffset Now);

/// <summary>A reward outside any rule, given by an admin; it is usable at once and counts against no rule's limits.</summary>
public sealed record IssueManualReward(string RewardId, RewardSpec Reward, string Note, DateTimeOffset Now);

/// <summary>
/// The reward ledger's rules, on the customer stream. The balance never goes negative, a redemption is
/// idempotent per order, and value that expired or was revoked never returns to the balance.
/// </summary>
public static class LedgerDecider
{
    public const string InsufficientBalance = "insufficient_balance";
    public const string RewardExpiredCode = "reward_expired";
    public const string RewardRevokedCode = "reward_revoked";
    public const string RewardPending = "reward_pending";
    public const string RewardUsedUp = "reward_redeemed";
    public const string CurrencyMismatch = "currency_mismatch";
    public const string AmountMismatch = "amount_mismatch";

    /// <summary>A use at checkout. The same order redeeming the same reward again has no further effect.</summary>
    public static IReadOnlyList<ICustomerEvent> Decide(RedeemReward command, Customer customer, RewardState reward)
    {
        if (reward.Redemptions.Any(r => r.OrderId == command.OrderId && !r.Reversed))
            return [];
        if (reward.Status == RewardStatus.Expired || DueExpiry(customer, reward, command.Now) is not null)
            throw new DomainRuleViolated(RewardExpiredCode, $"The reward expired at {reward.Issued.ExpiresAt:yyyy-MM-ddTHH:mm:ssZ}.");
        switch (reward.Status)
        {
            case RewardStatus.Revoked:
                throw new DomainRuleViolated(RewardRevokedCode, "The reward was revoked.");
            case RewardStatus.Pending:
                throw new DomainRuleViolated(RewardPending, "The reward unlocks when the customer comes back; it cannot be used before.");
        }
        if (reward.IsCredit)
        {
            if (command.Amount is not { } amount)
                throw new DomainRuleViolated(AmountMismatch, "Redeeming account credit takes an amount and currency.");
            if (amount.Currency != reward.Issued.Currency)
                throw new DomainRuleViolated(CurrencyMismatch, $"The reward is in {reward.Issued.Currency}, not {amount.Currency}.");
            if (amount.Amount <= 0)
                throw new DomainRuleViolated(AmountMismatch, "The amount must be positive.");
            if (amount.Amount > reward.Remaining)
                throw new DomainRuleViolated(InsufficientBalance,
                    $"The reward has {reward.Remaining} {reward.Issued.Currency} left; {amount.Amount} was asked for.");
        }
        else
        {
            if (command.Amount is not null)
                throw new DomainRuleViolated(AmountMismatch, "Only account credit is redeemed by amount; a discount or product is redeemed by use.");
            if (reward.Remaining == 0)
                throw new DomainRuleViolated(InsufficientBalance, "The reward has no uses left.");
        }
        return [new RewardRedeemed(customer.Id, reward.Id, command.RedemptionId, command.OrderId, command.Amount?.Amount,
            command.Amount?.Currency, command.Now)];
    }

    /// <summary>The order was refunded: the value goes back, unless the reward has expired or been revoked since.</summary>
    public static IReadOnlyList<ICustomerEvent> Decide(ReverseRedemption command, Customer customer, RewardState reward)
    {
        var redemption = reward.Redemptions.Single(r => r.Id == command.RedemptionId);
        if (redemption.Reversed)
            return [];
        var reversed = new RewardRedemptionReversed(customer.Id, reward.Id, redemption.Id, command.Now);
        // Past its expiry but not yet expired (the expiry run comes within a minute): expire what was left first, at
        // its exact expiresAt, so that the ledger's dates stay in order and no past balance goes negative.
        var due = DueExpiry(customer, reward, command.Now);
        if (due is null && (reward.IsOpen || reward.Status == RewardStatus.Redeemed && command.Now < reward.Issued.ExpiresAt))
            return [reversed];
        // Past its life: the value comes back and leaves again at once, so the ledger shows both and the balance neither.
        var amount = reward.IsCredit ? redemption.Amount : null;
        ICustomerEvent gone = reward.Status == RewardStatus.Revoked
            ? new RewardRevoked(customer.Id, reward.Id, "Redemption reversed after the reward was revoked.", amount, reward.Issued.Currency, command.Now)
            : new RewardExpired(customer.Id, reward.Id, amount, reward.Issued.Currency, command.Now);
        return due is null ? [reversed, gone] : [due, reversed, gone];
    }

    public static IReadOnlyList<ICustomerEvent> Decide(RevokeReward command, Customer customer, RewardState reward)
    {
        if (reward.Status == RewardStatus.Revoked)
            return [];
        if (!reward.IsOpen || DueExpiry(customer, reward, command.Now) is not null)
            throw DomainRuleViolated.Conflict(reward.Status == RewardStatus.Redeemed ? RewardUsedUp : RewardExpiredCode,
                $"The reward is {(reward.Status == RewardStatus.Redeemed ? "used up" : "expired")}; there is nothing left to revoke.");
        return [new RewardRevoked(customer.Id, reward.Id, command.Reason, reward.IsCredit ? reward.Remaining : null, reward.Issued.Currency, command.Now)];
    }

    public static IReadOnlyList<ICustomerEvent> Decide(IssueManualReward command, Customer customer)
    {
        if (command.Reward.Grant != RewardGrant.Immediate)
            throw new DomainRuleViolated("grant_not_allowed", "A manual reward is usable at once; on_return needs a lapse episode to return from.");
        var r = command.Reward;
        return [new RewardIssued(customer.Id, command.RewardId, EpisodeId: null, RuleId: null, RuleVersion: null, Variant: null, r.Type,
            r.Credit?.Amount, r.Credit?.Currency, r.Percent, r.Uses, r.Sku, r.Payload, command.Now, command.Now.AddDays(r.ExpiresInDays),
            r.Grant, command.Note)];
    }

    /// <summary>Every open reward whose expiry has come by <paramref name="now"/>, expired with its unused credit.</summary>
    public static IReadOnlyList<ICustomerEvent> Expire(Customer customer, DateTimeOffset now) =>
        customer.Rewards.Select(r => DueExpiry(customer, r, now)).OfType<ICustomerEvent>().ToList();

    /// <summary>
    /// Every open reward whose expiry is <paramref name="lead"/> or less away at <paramref name="now"/> and was not noticed yet,
    /// noticed at the moment it came that near (or at issue, for a reward that never had that long).
    /// </summary>
    public static IReadOnlyList<ICustomerEvent> NoticeExpiries(Customer customer, DateTimeOffset now, TimeSpan lead) =>
        customer.Rewards.Where(r => r.IsOpen && !r.ExpiryNoticed && now >= r.Issued.ExpiresAt - lead)
            .Select(r => new RewardExpiryApproached(customer.Id, r.Id, r.Remaining, r.Issued.Currency, r.Issued.ExpiresAt,
                Max(r.Issued.ExpiresAt - lead, r.Issued.IssuedAt)))
            .ToList<ICustomerEvent>();

    /// <summary>Records what reached Stripe for the reward, once per action: recording it again (a retry after a crash) changes nothing.</summary>
    public static IReadOnlyList<ICustomerEvent> RecordStripeSync(Customer customer, RewardSyncedToStripe synced) =>
        customer.Reward(synced.RewardId) is { } reward && (reward.StripeSyncs ?? []).All(s => s.Action != synced.Action) ? [synced] : [];

    /// <summary>Records that a push to Stripe was given up, once per action, and never after it succeeded.</summary>
    public static IReadOnlyList<ICustomerEvent> RecordStripeSyncFailure(Customer customer, RewardStripeSyncFailed failed) =>
        customer.Reward(failed.RewardId) is { } reward && (reward.StripeSyncs ?? []).All(s => s.Action != failed.Action)
                                                       && !(reward.StripeSyncsFailed ?? []).Contains(failed.Action)
            ? [failed]
            : [];

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>The first activity of the episode's return types after the lapse closes the episode.</summary>
    public static IReadOnlyList<ICustomerEvent> Reactivation(Customer? customer, ActivityRecorded activity)
    {
        if (customer?.Episode is not { } episode || activity.OccurredAt < episode.LapsedAt || !episode.ReturnTypes.Contains(activity.Type))
            return [];
        return [new CustomerReactivated(customer.Id, episode.EpisodeId, activity.ActivityId, activity.OccurredAt, activity.Type, activity.Amount)];
    }

    private static RewardExpired? DueExpiry(Customer customer, RewardState reward, DateTimeOffset now) =>
        reward.IsOpen && now >= reward.Issued.ExpiresAt
            ? new RewardExpired(customer.Id, reward.Id, reward.IsCredit ? reward.Remaining : null, reward.Issued.Currency, reward.Issued.ExpiresAt)
            : null;
}
