using System.Text.Json.Serialization;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Reports;

namespace WinBack.Api.Features.Reports;

public sealed record WithheldCounts(long Holdout, long Budget, long Cooldown, long PerCustomerCap, long Ineligible);

/// <summary>Treated reactivation rate minus holdout rate, with its 95% interval (Newcombe's hybrid score method).</summary>
public sealed record UpliftView(double Value, double CiLow, double CiHigh);

/// <summary>Reward credit per currency: issued, redeemed at checkout (net of reversals), and expired unused.</summary>
public sealed record RewardCostView(IReadOnlyList<MoneyView> Issued, IReadOnlyList<MoneyView> Redeemed, IReadOnlyList<MoneyView> Expired);

public sealed record RoiView(string Currency, double? Value);

/// <param name="Known">Won-back episodes whose return is at least that many days before asOf.</param>
/// <param name="Retained">Of those, the ones whose customer had not lapsed again by then.</param>
/// <param name="Rate">Retained / known; null when none is old enough.</param>
public sealed record RetentionView(long Known, long Retained, double? Rate);

/// <summary>One group of the reactivation report. Exactly one of ruleId, variant, lapseMonth, churnReason and trigger names it.</summary>
public sealed class ReactivationRow
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RuleId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Variant { get; init; }
    /// <summary>The UTC month of the lapse, yyyy-MM.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? LapseMonth { get; init; }
    /// <summary>The churn reason at lapse time; "none" when there was none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ChurnReason { get; init; }
    /// <summary>The trigger type of the episodes' rule (inactivity, cancellation, never_purchased, at_risk), as the rule has it now.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Trigger { get; init; }
    /// <summary>Lapse episodes opened: treated plus held out.</summary>
    public long Lapsed { get; init; }
    /// <summary>Episodes in an arm of the experiment (or the default arm).</summary>
    public long Treated { get; init; }
    /// <summary>Episodes held out of any reward.</summary>
    public long Holdout { get; init; }
    public long Rewarded { get; init; }
    public required WithheldCounts Withheld { get; init; }
    /// <summary>Episodes closed by the customer's return.</summary>
    public long Reactivated { get; init; }
    /// <summary>Treated episodes that returned / treated episodes; null when there are none.</summary>
    public double? ReactivationRate { get; init; }
    /// <summary>Held-out episodes that returned / held-out episodes (with groupBy=variant, the holdout's across the report); null when there are none.</summary>
    public double? HoldoutRate { get; init; }
    /// <summary>reactivationRate − holdoutRate with its 95% interval; null without both groups.</summary>
    public UpliftView? Uplift { get; init; }
    /// <summary>Median days from lapse to return over the episodes that returned; null when none did.</summary>
    public double? MedianDaysToReturn { get; init; }
    /// <summary>Purchases minus refunds from the return to attributionDays after it, per currency.</summary>
    public required IReadOnlyList<MoneyView> RevenueAfterReturn { get; init; }
    /// <summary>revenueAfterReturn / lapsed, rounded to a minor unit, per currency.</summary>
    public required IReadOnlyList<MoneyView> RevenuePerLapsedCustomer { get; init; }
    public required RewardCostView RewardCost { get; init; }
    /// <summary>Unused credit of rewards still pending or available, per currency.</summary>
    public required IReadOnlyList<MoneyView> OutstandingLiability { get; init; }
    /// <summary>(treated revenue per treated episode − holdout revenue per held-out episode) × treated episodes, per currency; only where both groups exist.</summary>
    public required IReadOnlyList<MoneyView> IncrementalRevenue { get; init; }
    /// <summary>(incrementalRevenue − redeemed cost) / redeemed cost, per currency; null where nothing was redeemed.</summary>
    public required IReadOnlyList<RoiView> Roi { get; init; }
    public required RetentionView Retained30 { get; init; }
    public required RetentionView Retained60 { get; init; }
    public required RetentionView Retained90 { get; init; }

    /// <param name="holdout">The holdout counts and revenue to compare with (the row's own, or with groupBy=variant the report's holdout).</param>
    public static ReactivationRow Of(ReportGrouping grouping, ReportGroup group, EpisodeCounts holdout, IReadOnlyDictionary<string, GroupMoney> holdoutMoney)
    {
        var counts = group.Counts with { Holdout = holdout.Holdout, HoldoutReturned = holdout.HoldoutReturned };
        var money = group.Money.OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => (Currency: m.Key, Money: m.Value with { HoldoutRevenue = holdoutMoney.GetValueOrDefault(m.Key)?.HoldoutRevenue ?? 0 }))
            .ToList();
        var figures = money.Select(m => ReactivationFigures.Of(m.Currency, m.Money, group.Lapsed, counts)).ToList();
        var uplift = Domain.Reports.Uplift.Of(counts.TreatedReturned, counts.Treated, counts.HoldoutReturned, counts.Holdout);
        IReadOnlyList<MoneyView> Each(Func<GroupMoney, long> pick, bool skipZero = false) =>
            money.Where(m => !skipZero || pick(m.Money) != 0).Select(m => new MoneyView(pick(m.Money), m.Currency)).ToList();
        return new ReactivationRow
        {
            RuleId = grouping == ReportGrouping.Rule ? group.Key : null,
            Variant = grouping == ReportGrouping.Variant ? group.Key : null,
            LapseMonth = grouping == ReportGrouping.LapseMonth ? group.Key : null,
            ChurnReason = grouping == ReportGrouping.ChurnReason ? group.Key : null,
            Trigger = grouping == ReportGrouping.Trigger ? TriggerName(group.Key) : null,
            Lapsed = group.Lapsed, Treated = group.Counts.Treated, Holdout = group.Counts.Holdout, Rewarded = group.Rewarded,
            Withheld = new WithheldCounts(group.Withheld[Domain.Customers.WithheldReason.Holdout], group.Withheld[Domain.Customers.WithheldReason.Budget],
                group.Withheld[Domain.Customers.WithheldReason.Cooldown], group.Withheld[Domain.Customers.WithheldReason.PerCustomerCap],
                group.Withheld[Domain.Customers.WithheldReason.Ineligible]),
            Reactivated = group.Reactivated,
            ReactivationRate = ReactivationFigures.Rate(counts.TreatedReturned, counts.Treated),
            HoldoutRate = ReactivationFigures.Rate(counts.HoldoutReturned, counts.Holdout),
            Uplift = uplift is null ? null : new UpliftView(uplift.Value, uplift.CiLow, uplift.CiHigh),
            MedianDaysToReturn = group.MedianDaysToReturn,
            RevenueAfterReturn = Each(m => m.Revenue, skipZero: true),
            RevenuePerLapsedCustomer = figures.Where(f => group.Money[f.Currency].Revenue != 0)
                .Select(f => new MoneyView(f.RevenuePerLapsedCustomer, f.Currency)).ToList(),
            RewardCost = new RewardCostView(Each(m => m.Issued, true), Each(m => m.Redeemed, true), Each(m => m.Expired, true)),
            OutstandingLiability = Each(m => m.Outstanding, true),
            IncrementalRevenue = figures.Where(f => f.IncrementalRevenue is not null).Select(f => new MoneyView(f.IncrementalRevenue!.Value, f.Currency)).ToList(),
            Roi = figures.Where(f => group.Money[f.Currency].Redeemed != 0).Select(f => new RoiView(f.Currency, f.Roi)).ToList(),
            Retained30 = Retention(group.Retained30), Retained60 = Retention(group.Retained60), Retained90 = Retention(group.Retained90),
        };
    }

    /// <summary>The groups' rows; with groupBy=variant the holdout is a row of its own, and the arms are compared with it.</summary>
    public static IReadOnlyList<ReactivationRow> AllOf(ReportGrouping grouping, IReadOnlyList<ReportGroup> groups)
    {
        var holdout = groups.FirstOrDefault(g => g.Key == Domain.Rules.Variant.Holdout);
        return groups.Select(g => grouping != ReportGrouping.Variant
            ? Of(grouping, g, g.Counts, g.Money)
            : Of(grouping, g, holdout?.Counts ?? new EpisodeCounts(0, 0, 0, 0), holdout?.Money ?? new Dictionary<string, GroupMoney>())).ToList();
    }

    /// <summary>A made-up rule's row, computed by <see cref="Of"/> like a real one (documentation example).</summary>
    public static ReactivationRow Example(ReportGrouping grouping, string key) => Of(grouping,
        new ReportGroup(key, 1200, new EpisodeCounts(1080, 302, 120, 24), 1030,
            new Dictionary<Domain.Customers.WithheldReason, long>
            {
                [Domain.Customers.WithheldReason.Holdout] = 120, [Domain.Customers.WithheldReason.Budget] = 30,
                [Domain.Customers.WithheldReason.Cooldown] = 15, [Domain.Customers.WithheldReason.PerCustomerCap] = 5,
                [Domain.Customers.WithheldReason.Ineligible] = 0,
            },
            326, 11.5, new Retention(300, 270), new Retention(250, 190), new Retention(180, 120),
            new Dictionary<string, GroupMoney> { ["eur"] = new(1_842_000, 1_700_000, 142_000, 1_030_000, 412_000, 380_000, 238_000) }),
        new EpisodeCounts(1080, 302, 120, 24), new Dictionary<string, GroupMoney> { ["eur"] = new(0, 0, 142_000, 0, 0, 0, 0) });

    /// <summary>A row of no episodes.</summary>
    public static ReactivationRow Empty => Of(ReportGrouping.All,
        new ReportGroup("all", 0, new EpisodeCounts(0, 0, 0, 0), 0, Enum.GetValues<Domain.Customers.WithheldReason>().ToDictionary(r => r, _ => 0L), 0, null,
            new Retention(0, 0), new Retention(0, 0), new Retention(0, 0), new Dictionary<string, GroupMoney>()),
        new EpisodeCounts(0, 0, 0, 0), new Dictionary<string, GroupMoney>());

    // The stored enum name, as the API writes trigger types.
    private static string TriggerName(string stored) => Enum.TryParse<Domain.Rules.TriggerType>(stored, ignoreCase: true, out var type)
        ? Infrastructure.Http.StrictEnumConverter.WireName(type) : stored;

    private static RetentionView Retention(Retention r) => new(r.Known, r.Retained, ReactivationFigures.Rate(r.Retained, r.Known));
}
