using WinBack.Domain.Common;

namespace WinBack.Domain.Customers;

/// <summary>
/// What WinBack knows about one customer, folded from the customer stream. Activities may arrive out of
/// order, so "last" fields keep the latest occurrence, and status follows the latest status-changing one.
/// </summary>
public sealed record Customer
{
    public required string Id { get; init; }
    public CustomerStatus Status { get; init; } = CustomerStatus.Active;
    public DateTimeOffset? StatusChangedAt { get; init; }
    public DateTimeOffset FirstSeenAt { get; init; }
    public DateTimeOffset LastActivityAt { get; init; }
    public DateTimeOffset? LastPurchaseAt { get; init; }
    /// <summary>Latest occurrence per activity type, for rules that count only some types.</summary>
    public IReadOnlyDictionary<ActivityType, DateTimeOffset> LastActivityByType { get; init; } = new Dictionary<ActivityType, DateTimeOffset>();
    /// <summary>Purchases recorded through WinBack.</summary>
    public int RecordedOrderCount { get; init; }
    /// <summary>Purchases minus refunds recorded through WinBack, in minor units per currency.</summary>
    public IReadOnlyDictionary<string, long> RecordedLifetimeValue { get; init; } = new Dictionary<string, long>();
    /// <summary>The history brought over by the latest import of this customer; a re-import replaces it.</summary>
    public ImportedHistory? Imported { get; init; }

    public int OrderCount => RecordedOrderCount + (Imported?.OrderCount ?? 0);

    /// <summary>Imported plus recorded value, per currency.</summary>
    public IReadOnlyDictionary<string, long> LifetimeValue =>
        Imported is { LifetimeValue: var imported } ? AddValue(RecordedLifetimeValue, imported, +1) : RecordedLifetimeValue;
    public ChurnReason? ChurnReason { get; init; }
    public string? Email { get; init; }
    public string? StripeCustomerId { get; init; }
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
    /// <summary>When the customer last got a win-back reward from any rule; the rules' cooldown counts from here.</summary>
    public DateTimeOffset? LastRewardedAt { get; init; }
    /// <summary>Win-back rewards received, per rule id; a rule's maxRewardsPerCustomer caps this.</summary>
    public IReadOnlyDictionary<string, int> RewardsByRule { get; init; } = new Dictionary<string, int>();

    public static Customer Evolve(Customer? state, object @event) => @event switch
    {
        ActivityRecorded e => Apply(state ?? FirstSeen(e.CustomerId, e.OccurredAt), e),
        ProfileUpdated e => (state ?? FirstSeen(e.CustomerId, e.UpdatedAt)) with
        {
            Email = e.Email, StripeCustomerId = e.StripeCustomerId, Attributes = e.Attributes,
        },
        CustomerImported e => Apply(state ?? FirstSeen(e.CustomerId, e.FirstSeenAt), e),
        _ => state ?? throw new InvalidOperationException($"A customer stream cannot start with {@event.GetType().Name}."),
    };

    private static Customer FirstSeen(string id, DateTimeOffset at) =>
        new() { Id = id, FirstSeenAt = at, LastActivityAt = at };

    private static Customer Apply(Customer state, ActivityRecorded e)
    {
        var next = state with
        {
            FirstSeenAt = Min(state.FirstSeenAt, e.OccurredAt),
            LastActivityAt = Max(state.LastActivityAt, e.OccurredAt),
            LastActivityByType = With(state.LastActivityByType, e.Type,
                state.LastActivityByType.TryGetValue(e.Type, out var last) ? Max(last, e.OccurredAt) : e.OccurredAt),
        };
        return e.Type switch
        {
            ActivityType.Purchase => ChangeStatus(next with
            {
                RecordedOrderCount = next.RecordedOrderCount + 1,
                LastPurchaseAt = Latest(next.LastPurchaseAt, e.OccurredAt),
                RecordedLifetimeValue = AddValue(next.RecordedLifetimeValue, e.Amount, +1),
            }, CustomerStatus.Active, e.OccurredAt),
            ActivityType.Refund => next with { RecordedLifetimeValue = AddValue(next.RecordedLifetimeValue, e.Amount, -1) },
            ActivityType.SubscriptionStarted => ChangeStatus(next, CustomerStatus.Active, e.OccurredAt),
            ActivityType.SubscriptionCancelled => ChangeStatus(next, CustomerStatus.Cancelled, e.OccurredAt, e.Reason ?? Customers.ChurnReason.Other),
            _ => next,
        };
    }

    // The imported history replaces the previous import instead of adding to it, so importing a file
    // twice (or a corrected file) never doubles orders or value.
    private static Customer Apply(Customer state, CustomerImported e) => state with
    {
        FirstSeenAt = Min(state.FirstSeenAt, e.FirstSeenAt),
        LastActivityAt = Max(state.LastActivityAt, e.LastActivityAt),
        LastPurchaseAt = e.LastPurchaseAt is { } purchased ? Latest(state.LastPurchaseAt, purchased) : state.LastPurchaseAt,
        Imported = new ImportedHistory(e.ImportId, e.OrderCount, e.LifetimeValue),
        Email = e.Email ?? state.Email,
        StripeCustomerId = e.StripeCustomerId ?? state.StripeCustomerId,
        Attributes = e.Attributes.Count > 0 ? e.Attributes : state.Attributes,
    };

    // An older status change that arrives late does not override a newer one.
    private static Customer ChangeStatus(Customer state, CustomerStatus status, DateTimeOffset at, ChurnReason? reason = null)
    {
        if (state.StatusChangedAt is { } changed && changed > at)
            return state;
        return state with
        {
            Status = status,
            StatusChangedAt = at,
            ChurnReason = status == CustomerStatus.Cancelled ? reason : state.ChurnReason,
        };
    }

    private static IReadOnlyDictionary<string, long> AddValue(IReadOnlyDictionary<string, long> totals, Money? amount, int sign)
    {
        if (amount is not { } money)
            return totals;
        var current = totals.GetValueOrDefault(money.Currency);
        return With(totals, money.Currency, checked(current + sign * money.Amount));
    }

    private static IReadOnlyDictionary<TKey, TValue> With<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> source, TKey key, TValue value)
        where TKey : notnull =>
        new Dictionary<TKey, TValue>(source) { [key] = value };

    private static DateTimeOffset Latest(DateTimeOffset? current, DateTimeOffset candidate) =>
        current is { } c ? Max(c, candidate) : candidate;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;
    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
}

/// <summary>Orders and value a customer had before WinBack, from the latest import.</summary>
public sealed record ImportedHistory(string ImportId, int OrderCount, Money LifetimeValue);
