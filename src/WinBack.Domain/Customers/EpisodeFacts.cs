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

    public double? DaysToReturn => ReturnedAt is { } returned ? (returned - LapsedAt).TotalDays : null;

    public static EpisodeFacts Of(CustomerLapsed e) =>
        new(e.EpisodeId, e.RuleId, e.RuleVersion, e.Variant, e.LapsedAt, e.AttributionDays, e.ChurnReason, e.Attributes);

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
