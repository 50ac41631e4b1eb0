using WinBack.Domain.Common;

namespace WinBack.Domain.Customers;

public enum ActivityType { Purchase, Login, SubscriptionStarted, SubscriptionCancelled, Refund, Custom, PaymentFailed }

/// <summary>
/// Why a customer leaves, as snake_case codes: WinBack's first seven, then Stripe's cancellation feedback values that differ from them
/// (customer_service, low_quality, switched_service, unused); too_expensive, too_complex, missing_features and other are both.
/// </summary>
public enum ChurnReason { TooExpensive, BadExperience, TooComplex, Forgot, Switched, MissingFeatures, Other, CustomerService, LowQuality, SwitchedService, Unused }

/// <summary><c>lapsed</c> (an open lapse episode) and <c>won_back</c> (returned from one) are set by the win-back engine.</summary>
public enum CustomerStatus { Active, Cancelled, Lapsed, WonBack }

/// <summary>Marks the events of customer streams, so that projections pick exactly these.</summary>
public interface ICustomerEvent
{
    string CustomerId { get; }
}

/// <summary>
/// Something the customer did, as reported by the product backend. New purchases and refunds that an episode can count are
/// stored as this type, those that none can as <see cref="UnattributedActivityRecorded"/>, every other new activity as
/// <see cref="NonRevenueActivityRecorded"/>; activities stored before those splits are this type whatever they are. Whatever
/// folds activities matches this type, and so all three.
/// </summary>
public record ActivityRecorded(
    string CustomerId,
    string ActivityId,
    ActivityType Type,
    DateTimeOffset OccurredAt,
    DateTimeOffset RecordedAt,
    Money? Amount,
    ChurnReason? Reason,
    string? Name,
    IReadOnlyDictionary<string, string>? Properties,
    string? ExternalId) : ICustomerEvent
{
    /// <summary>Whether the activity moves money (it carries an amount): what revenue and returns are measured on.</summary>
    public static bool IsRevenue(ActivityType type) => type is ActivityType.Purchase or ActivityType.Refund;

    /// <summary>
    /// The event for an activity: a purchase or refund as this type, any other as <see cref="NonRevenueActivityRecorded"/>.
    /// Whether an episode can count a purchase or refund depends on the customer when it is recorded: <see cref="StoredFor"/>.
    /// </summary>
    public static ActivityRecorded Of(string customerId, string activityId, ActivityType type, DateTimeOffset occurredAt, DateTimeOffset recordedAt,
        Money? amount, ChurnReason? reason, string? name, IReadOnlyDictionary<string, string>? properties, string? externalId) =>
        IsRevenue(type)
            ? new ActivityRecorded(customerId, activityId, type, occurredAt, recordedAt, amount, reason, name, properties, externalId)
            : new NonRevenueActivityRecorded(customerId, activityId, type, occurredAt, recordedAt, amount, reason, name, properties, externalId);

    /// <summary>
    /// The activity as it is stored for <paramref name="customer"/> (its state before the activity): a purchase or refund outside
    /// every attribution window the customer has (<see cref="Customer.TouchesHistory"/>, the same rule by which a write decides
    /// whether it needs the customer's history) as <see cref="UnattributedActivityRecorded"/>, which no episode counts;
    /// anything else as it is. A purchase that closes an open episode is counted by the <see cref="CustomerReactivated"/> it
    /// causes, which carries its amount. The window is the hot state's, taken from the episodes when they are here (a
    /// summary stored before the history had a document of its own carries them).
    /// </summary>
    public ActivityRecorded StoredFor(Customer? customer) =>
        GetType() == typeof(ActivityRecorded) && !Customer.TouchesHistory(customer?.WithoutHistory(), this)
            ? new UnattributedActivityRecorded(CustomerId, ActivityId, Type, OccurredAt, RecordedAt, Amount, Reason, Name, Properties, ExternalId)
            : this;
}

/// <summary>
/// An activity that moves no money (a login, a cancellation, a failed payment): the same fields, stored under a type of its own
/// so that what reads only purchases and refunds (the report projection) is not handed every login. The event store filters
/// by type, not by content: a batch of 1,000 logins was read and thrown away by that projection.
/// </summary>
public sealed record NonRevenueActivityRecorded(
    string CustomerId,
    string ActivityId,
    ActivityType Type,
    DateTimeOffset OccurredAt,
    DateTimeOffset RecordedAt,
    Money? Amount,
    ChurnReason? Reason,
    string? Name,
    IReadOnlyDictionary<string, string>? Properties,
    string? ExternalId) : ActivityRecorded(CustomerId, ActivityId, Type, OccurredAt, RecordedAt, Amount, Reason, Name, Properties, ExternalId);

/// <summary>
/// A purchase or refund that no episode could count when it was recorded (outside every attribution window of the customer's
/// lapse episodes and moments): the same fields, stored under a type of its own so that the report projection, which reads
/// only what can change an episode, is not handed every purchase. Most purchases are this type: those of customers who never
/// lapsed, or whose last return is past its window.
/// </summary>
public sealed record UnattributedActivityRecorded(
    string CustomerId,
    string ActivityId,
    ActivityType Type,
    DateTimeOffset OccurredAt,
    DateTimeOffset RecordedAt,
    Money? Amount,
    ChurnReason? Reason,
    string? Name,
    IReadOnlyDictionary<string, string>? Properties,
    string? ExternalId) : ActivityRecorded(CustomerId, ActivityId, Type, OccurredAt, RecordedAt, Amount, Reason, Name, Properties, ExternalId);

/// <summary>Contact and segmentation data; the attributes replace the previous ones.</summary>
/// <param name="Birthday">MM-DD or YYYY-MM-DD (<see cref="Customers.Birthday"/>); null when not given.</param>
public sealed record ProfileUpdated(
    string CustomerId,
    string? Email,
    string? StripeCustomerId,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset UpdatedAt,
    string? Birthday = null) : ICustomerEvent;

/// <summary>A customer brought over from another system with a summary of their past.</summary>
/// <param name="Birthday">MM-DD or YYYY-MM-DD (<see cref="Customers.Birthday"/>); null when the line gave none (the profile's stays).</param>
public sealed record CustomerImported(
    string CustomerId,
    string ImportId,
    string? Email,
    string? StripeCustomerId,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset LastActivityAt,
    DateTimeOffset? LastPurchaseAt,
    int OrderCount,
    Money LifetimeValue,
    DateTimeOffset ImportedAt,
    string? Birthday = null) : ICustomerEvent;
