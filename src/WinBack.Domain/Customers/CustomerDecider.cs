using WinBack.Domain.Common;

namespace WinBack.Domain.Customers;

public sealed record RecordActivity(
    string CustomerId,
    string ActivityId,
    ActivityType Type,
    DateTimeOffset? OccurredAt,
    Money? Amount,
    ChurnReason? Reason,
    string? Name,
    IReadOnlyDictionary<string, string>? Properties,
    string? ExternalId,
    DateTimeOffset Now);

public sealed record UpdateProfile(
    string CustomerId, string? Email, string? StripeCustomerId, IReadOnlyDictionary<string, string> Attributes, DateTimeOffset Now, string? Birthday = null);

/// <summary>Pure decisions on the customer stream. Recording needs no prior state, so appends never read the stream.</summary>
public static class CustomerDecider
{
    /// <summary>How far ahead of the tenant's clock an activity may claim to have happened (clock skew).</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(5);

    public const string AmountTooLarge = "amount_too_large";

    public static ActivityRecorded Decide(RecordActivity command)
    {
        var occurredAt = command.OccurredAt ?? command.Now;
        if (occurredAt > command.Now + FutureTolerance)
            throw new DomainRuleViolated("occurred_in_future", "An activity cannot happen more than 5 minutes in the future.");
        var needsAmount = ActivityRecorded.IsRevenue(command.Type);
        if (needsAmount != command.Amount is not null)
            throw new DomainRuleViolated("amount_mismatch", "Purchases and refunds carry an amount; other activities do not.");
        if (command.Amount is { Amount: < 0 })
            throw new DomainRuleViolated("negative_amount", "Amounts are positive; a refund is its own activity type.");
        if (command.Amount is { } amount && !Money.IsAmount(amount.Amount))
            throw new DomainRuleViolated(AmountTooLarge, $"An amount is at most {Money.MaxAmount} minor units; {amount.Amount} was given.");
        if (command.Reason is not null && command.Type != ActivityType.SubscriptionCancelled)
            throw new DomainRuleViolated("reason_without_cancellation", "Only subscription_cancelled carries a churn reason.");
        if ((command.Type == ActivityType.Custom) != !string.IsNullOrEmpty(command.Name))
            throw new DomainRuleViolated("custom_name", "Custom activities, and only they, carry a name.");

        return ActivityRecorded.Of(command.CustomerId, command.ActivityId, command.Type, occurredAt.ToUniversalTime(), command.Now,
            command.Amount, command.Reason, command.Name, command.Properties, command.ExternalId);
    }

    /// <summary>
    /// The events that record <paramref name="activity"/> on the customer's state before it: the activity as it is stored for
    /// that state (<see cref="ActivityRecorded.StoredFor"/>), then the reactivation it causes, if any.
    /// </summary>
    public static IReadOnlyList<ICustomerEvent> Record(Customer? current, ActivityRecorded activity) =>
        [activity.StoredFor(current), .. LedgerDecider.Reactivation(current, activity)];

    public static ProfileUpdated Decide(UpdateProfile command) =>
        Birthday.IsValid(command.Birthday)
            ? new(command.CustomerId, command.Email, command.StripeCustomerId, command.Attributes, command.Now, command.Birthday)
            : throw new DomainRuleViolated("invalid_birthday", Birthday.Rule);
}
