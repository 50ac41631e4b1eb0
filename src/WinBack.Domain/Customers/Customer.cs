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
    public int OrderCount { get; init; }
    /// <summary>Purchases minus refunds, in minor units per currency.</summary>
    public IReadOnlyDictionary<string, long> LifetimeValue { get; init; } = new Dictionary<string, long>();
    public ChurnReason? ChurnReason { get; init; }
    public string? Email { get; init; }
    public string? StripeCustomerId { get; init; }
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

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
                OrderCount = next.OrderCount + 1,
                LastPurchaseAt = next.LastPurchaseAt is { } p ? Max(p, e.OccurredAt) : e.OccurredAt,
                LifetimeValue = AddValue(next.LifetimeValue, e.Amount, +1),
            }, CustomerStatus.Active, e.OccurredAt),
            ActivityType.Refund => next with { LifetimeValue = AddValue(next.LifetimeValue, e.Amount, -1) },
            ActivityType.SubscriptionStarted => ChangeStatus(next, CustomerStatus.Active, e.OccurredAt),
            ActivityType.SubscriptionCancelled => ChangeStatus(next, CustomerStatus.Cancelled, e.OccurredAt, e.Reason ?? Customers.ChurnReason.Other),
            _ => next,
        };
    }

    private static Customer Apply(Customer state, CustomerImported e) => state with
    {
        FirstSeenAt = Min(state.FirstSeenAt, e.FirstSeenAt),
        LastActivityAt = Max(state.LastActivityAt, e.LastActivityAt),
        LastPurchaseAt = (state.LastPurchaseAt, e.LastPurchaseAt) switch
        {
            ({ } a, { } b) => Max(a, b),
            (var a, var b) => a ?? b,
        },
        OrderCount = state.OrderCount + e.OrderCount,
        LifetimeValue = AddValue(state.LifetimeValue, e.LifetimeValue, +1),
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

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;
    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
}
