using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Reports;
using WinBack.Domain.Rules;
using WinBack.Api.Infrastructure.OpenApi;

namespace WinBack.Api.Features.SaveOffers;

/// <summary>One group of cancel attempts: by stated reason, or by offer (a rule's arm, compared with that rule's holdout).</summary>
/// <param name="Key">The reason code, or for groupBy=offer the rule and arm as "ruleId/variant".</param>
/// <param name="Offer">groupBy=offer: the reward the arm offers, e.g. pause_30d, trial_extension_14d, account_credit_500_eur.</param>
/// <param name="Presented">Cancel attempts shown an offer.</param>
/// <param name="Withheld">Cancel attempts a rule matched whose offer a guard rail withheld (cooldown, per-customer cap, budget).</param>
/// <param name="Validated">Accepted offers validated as saves: no cancellation 30 days after the accept (after the pause end, if later), and a payment after a pause or trial extension.</param>
/// <param name="ValidationRate">validated / presented; null without presented offers.</param>
/// <param name="Holdout">Cancel attempts of the rules' holdout customers (shown no offer).</param>
/// <param name="HoldoutRetained">Holdout customers not cancelled 30 days after their cancel attempt.</param>
/// <param name="Uplift">validationRate − holdoutRate, with a 95% interval (Newcombe's hybrid score); null when either group is empty.</param>
/// <param name="RevenueKept">Revenue (purchases less refunds) of the validated saves, from the cancel attempt to validation, per currency.</param>
/// <param name="HoldoutRevenueKept">The same for the retained holdout customers.</param>
public sealed record SavesReportRow(
    string Key, string? Offer, long Presented, long Accepted, long Declined, long Withheld, long Validated, double? ValidationRate, long Holdout,
    long HoldoutRetained, double? HoldoutRate, Uplift? Uplift, IReadOnlyList<MoneyView> RevenueKept, IReadOnlyList<MoneyView> HoldoutRevenueKept);

/// <param name="AsOf">The tenant's time when the report was made (a test tenant's clock). Offers less than 30 days old cannot be validated yet.</param>
public sealed record SavesReportView(DateTimeOffset AsOf,
    [property: WireValues("SavesReportGroupBy", typeof(SavesReport), nameof(SavesReport.Groupings))] string GroupBy, IReadOnlyList<SavesReportRow> Rows)
{
    public static readonly SavesReportView Example = new(DateTimeOffset.Parse("2026-12-24T09:30:00Z"), "reason",
    [
        new SavesReportRow("too_expensive", null, 120, 66, 40, 3, 51, 0.425, 14, 2, 0.143, new Uplift(0.282, 0.07, 0.41),
            [new MoneyView(254_900, "eur")], [new MoneyView(9_800, "eur")]),
    ]);
}

/// <summary>Sums save offer records into report rows; the rows follow the records, so a report reads the tenant's save offers once.</summary>
public static class SavesReport
{
    public const string ByReason = "reason", ByOffer = "offer";
    public static readonly IReadOnlyList<string> Groupings = [ByReason, ByOffer];

    public static IReadOnlyList<SavesReportRow> Rows(IReadOnlyList<SaveOfferRecord> records, string groupBy)
    {
        if (groupBy == ByReason)
            return records.GroupBy(r => StrictEnumConverter.WireName(r.Reason)).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => Row(g.Key, null, g.ToList(), g.Where(IsHoldout).ToList())).ToList();
        var holdouts = records.Where(IsHoldout).ToLookup(r => r.RuleId);
        return records.Where(r => r.RuleId is not null && !IsHoldout(r)).GroupBy(r => $"{r.RuleId}/{r.Variant}").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Row(g.Key, Label(g.FirstOrDefault(r => r.Offer is not null)?.Offer), g.ToList(), holdouts[g.First().RuleId].ToList())).ToList();
    }

    private static bool IsHoldout(SaveOfferRecord r) => r.Withheld == WithheldReason.Holdout;

    private static SavesReportRow Row(string key, string? offer, List<SaveOfferRecord> group, List<SaveOfferRecord> holdout)
    {
        var treated = group.Where(r => r.Offer is not null).ToList();
        var saved = treated.Where(r => r.Status == SaveOfferStatus.Saved).ToList();
        var retained = holdout.Where(r => r.Status == SaveOfferStatus.Saved).ToList();
        return new SavesReportRow(key, offer, treated.Count, treated.Count(r => r.AcceptedAt is not null), treated.Count(r => r.DeclinedAt is not null),
            group.Count(r => r.Withheld is not null and not WithheldReason.Holdout), saved.Count, Rate(saved.Count, treated.Count), holdout.Count,
            retained.Count, Rate(retained.Count, holdout.Count), Uplift.Of(saved.Count, treated.Count, retained.Count, holdout.Count),
            Revenue(saved), Revenue(retained));
    }

    private static double? Rate(long x, long n) => n == 0 ? null : (double)x / n;

    private static IReadOnlyList<MoneyView> Revenue(IEnumerable<SaveOfferRecord> records) => MoneyView.ListOf(records.SelectMany(r => r.RevenueKept)
        .GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => Money.Sum(g.Select(kv => kv.Value))));

    /// <summary>A reward in a few words: its type and what sets it apart.</summary>
    public static string? Label(RewardSpec? r) => r is null ? null : StrictEnumConverter.WireName(r.Type) + r.Type switch
    {
        RewardType.Pause or RewardType.TrialExtension => $"_{r.Days}d",
        RewardType.AccountCredit => $"_{r.Credit!.Amount}_{r.Credit.Currency}",
        RewardType.PercentDiscount => $"_{r.Percent}pct_x{r.Uses}",
        RewardType.FreeProduct => $"_{r.Sku}",
        _ => "",
    };

    /// <summary>The report as CSV, one line per row, money in one column per currency (revenueKept_eur).</summary>
    public static string Csv(SavesReportView report)
    {
        var currencies = report.Rows.SelectMany(r => r.RevenueKept.Concat(r.HoldoutRevenueKept)).Select(m => m.Currency).Distinct()
            .Order(StringComparer.Ordinal).ToList();
        var columns = new List<(string Name, Func<SavesReportRow, object?> Value)>
        {
            (report.GroupBy, r => r.Key), ("offer", r => r.Offer), ("presented", r => r.Presented), ("accepted", r => r.Accepted),
            ("declined", r => r.Declined), ("withheld", r => r.Withheld), ("validated", r => r.Validated), ("validationRate", r => r.ValidationRate),
            ("holdout", r => r.Holdout), ("holdoutRetained", r => r.HoldoutRetained), ("holdoutRate", r => r.HoldoutRate),
            ("uplift", r => r.Uplift?.Value), ("upliftCiLow", r => r.Uplift?.CiLow), ("upliftCiHigh", r => r.Uplift?.CiHigh),
        };
        foreach (var c in currencies)
        {
            columns.Add(($"revenueKept_{c}", r => r.RevenueKept.FirstOrDefault(m => m.Currency == c)?.Amount));
            columns.Add(($"holdoutRevenueKept_{c}", r => r.HoldoutRevenueKept.FirstOrDefault(m => m.Currency == c)?.Amount));
        }
        return Reports.ReactivationCsv.Lines(columns, report.Rows);
    }
}
