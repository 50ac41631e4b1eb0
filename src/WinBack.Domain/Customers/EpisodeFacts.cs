namespace WinBack.Domain.Customers;

/// <summary>
/// What reports measure about one lapse episode, folded from the customer stream: how it opened, whether a reward
/// was issued or withheld, whether and when the customer came back, the revenue in the attribution window after the
/// return (purchases minus refunds, the returning purchase included), and when the customer lapsed again.
/// </summary>
public sealed record EpisodeFacts(
    string EpisodeId, string RuleId, int RuleVersion, string Variant, DateTimeOffset LapsedAt, int AttributionDays,
    ChurnReason? ChurnReason, IReadOnlyDictionary<string, string> Attributes)
{
    public WithheldReason? Withheld { get; init; }
    public string? RewardId { get; init; }
    public DateTimeOffset? ReturnedAt { get; init; }
    /// <summary>Purchases minus refunds from the return to attributionDays after it, in minor units per currency.</summary>
    public IReadOnlyDictionary<string, long> RevenueAfterReturn { get; init; } = new Dictionary<string, long>();
    public int OrdersAfterReturn { get; init; }
    /// <summary>When the customer's next episode opened, if they lapsed again.</summary>
    public DateTimeOffset? RelapsedAt { get; init; }
    /// <summary>Opened by a moment (<see cref="MomentReached"/>): "returned" means purchased within the attribution window after it.</summary>
    public bool IsMoment { get; init; }

    /// <summary>Until when an activity can change the episode's figures: the attribution window after the return (or, for a moment not yet followed by a purchase, after the moment).</summary>
    public DateTimeOffset? AttributionEndsAt => ReturnedAt is { } returned ? returned.AddDays(AttributionDays)
        : IsMoment ? LapsedAt.AddDays(AttributionDays) : null;

    public double? DaysToReturn => ReturnedAt is { } returned ? (returned - LapsedAt).TotalDays : null;

    public static EpisodeFacts Of(CustomerLapsed e) =>
        new(e.EpisodeId, e.RuleId, e.RuleVersion, e.Variant, e.LapsedAt, e.AttributionDays, e.ChurnReason, e.Attributes);

    public static EpisodeFacts Of(MomentReached e) =>
        new(e.EpisodeId, e.RuleId, e.RuleVersion, e.Variant, e.ReachedAt, e.AttributionDays, null, e.Attributes) { IsMoment = true };

    /// <summary>Whether the activity changes the episode: revenue in the attribution window, or a moment's first purchase within its window.</summary>
    public bool Takes(ActivityRecorded e) => InWindow(e.OccurredAt) || OutcomeOf(e);

    /// <summary>The episode after the activity it <see cref="Takes"/>.</summary>
    public EpisodeFacts Record(ActivityRecorded e) =>
        OutcomeOf(e) ? (this with { ReturnedAt = e.OccurredAt }).Count(e.Type, e.Amount) : Count(e.Type, e.Amount);

    // A moment's outcome is the first purchase from the moment to attributionDays after it.
    private bool OutcomeOf(ActivityRecorded e) => IsMoment && ReturnedAt is null && e.Type == ActivityType.Purchase
                                                  && e.OccurredAt >= LapsedAt && e.OccurredAt <= LapsedAt.AddDays(AttributionDays);

    /// <summary>Whether an activity at <paramref name="at"/> falls in the attribution window after the return.</summary>
    public bool InWindow(DateTimeOffset at) => ReturnedAt is { } returned && at >= returned && at <= returned.AddDays(AttributionDays);

    /// <summary>The return; a returning purchase is the window's first revenue.</summary>
    public EpisodeFacts Returned(CustomerReactivated e)
    {
        var returned = this with { ReturnedAt = e.ReactivatedAt };
        return e.ActivityType == ActivityType.Purchase ? returned.Count(ActivityType.Purchase, e.Amount) : returned;
    }

    /// <summary>A purchase or refund in the attribution window.</summary>
    public EpisodeFacts Count(ActivityType type, Common.Money? amount) => type switch
    {
        ActivityType.Purchase => this with
        {
            OrdersAfterReturn = OrdersAfterReturn + 1,
            RevenueAfterReturn = amount is { } paid ? Add(paid.Currency, paid.Amount) : RevenueAfterReturn,
        },
        ActivityType.Refund when amount is { } refunded => this with { RevenueAfterReturn = Add(refunded.Currency, Common.Money.Negate(refunded.Amount)) },
        _ => this,
    };

    private IReadOnlyDictionary<string, long> Add(string currency, long amount) =>
        new Dictionary<string, long>(RevenueAfterReturn) { [currency] = Common.Money.Sum(RevenueAfterReturn.GetValueOrDefault(currency), amount) };
}
