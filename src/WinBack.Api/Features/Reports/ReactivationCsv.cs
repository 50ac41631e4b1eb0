using System.Globalization;
using System.Text;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Reports;

/// <summary>The reactivation report as CSV: one line per row, money in one column per currency (e.g. revenueAfterReturn_eur).</summary>
[Infrastructure.Hosting.Published]
public static class ReactivationCsv
{
    public static string Of(ReactivationReportView report)
    {
        var currencies = report.Rows.SelectMany(r => r.RevenueAfterReturn.Concat(r.RewardCost.Issued).Concat(r.OutstandingLiability))
            .Select(m => m.Currency).Distinct().Order(StringComparer.Ordinal).ToList();
        var columns = new List<(string Name, Func<ReactivationRow, object?> Value)>
        {
            (report.GroupBy, r => r.RuleId ?? r.Variant ?? r.LapseMonth ?? r.ChurnReason ?? r.Trigger),
            ("lapsed", r => r.Lapsed), ("treated", r => r.Treated), ("holdout", r => r.Holdout), ("rewarded", r => r.Rewarded),
            ("withheldHoldout", r => r.Withheld.Holdout), ("withheldBudget", r => r.Withheld.Budget),
            ("withheldCooldown", r => r.Withheld.Cooldown), ("withheldPerCustomerCap", r => r.Withheld.PerCustomerCap),
            ("withheldIneligible", r => r.Withheld.Ineligible), ("reactivated", r => r.Reactivated),
            ("reactivationRate", r => r.ReactivationRate), ("holdoutRate", r => r.HoldoutRate),
            ("uplift", r => r.Uplift?.Value), ("upliftCiLow", r => r.Uplift?.CiLow), ("upliftCiHigh", r => r.Uplift?.CiHigh),
            ("medianDaysToReturn", r => r.MedianDaysToReturn),
        };
        foreach (var c in currencies)
        {
            columns.Add(($"revenueAfterReturn_{c}", r => Amount(r.RevenueAfterReturn, c)));
            columns.Add(($"revenuePerLapsedCustomer_{c}", r => Amount(r.RevenuePerLapsedCustomer, c)));
            columns.Add(($"rewardCostIssued_{c}", r => Amount(r.RewardCost.Issued, c)));
            columns.Add(($"rewardCostRedeemed_{c}", r => Amount(r.RewardCost.Redeemed, c)));
            columns.Add(($"rewardCostExpired_{c}", r => Amount(r.RewardCost.Expired, c)));
            columns.Add(($"outstandingLiability_{c}", r => Amount(r.OutstandingLiability, c)));
            columns.Add(($"incrementalRevenue_{c}", r => r.IncrementalRevenue.FirstOrDefault(m => m.Currency == c)?.Amount));
            columns.Add(($"roi_{c}", r => r.Roi.FirstOrDefault(m => m.Currency == c)?.Value));
        }
        foreach (var days in new[] { 30, 60, 90 })
        {
            Func<ReactivationRow, RetentionView> pick = days switch { 30 => r => r.Retained30, 60 => r => r.Retained60, _ => r => r.Retained90 };
            columns.Add(($"retained{days}Known", r => pick(r).Known));
            columns.Add(($"retained{days}", r => pick(r).Retained));
            columns.Add(($"retained{days}Rate", r => pick(r).Rate));
        }

        return Lines(columns, report.Rows);
    }

    /// <summary>Whether the request asks for CSV (Accept: text/csv) rather than JSON.</summary>
    public static bool Wanted(HttpRequest request) =>
        request.Headers.Accept.Any(a => a?.Contains("text/csv", StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>A header line of the columns' names, then one line per row (RFC 4180, CRLF).</summary>
    public static string Lines<TRow>(IReadOnlyList<(string Name, Func<TRow, object?> Value)> columns, IEnumerable<TRow> rows)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', columns.Select(c => c.Name)).Append("\r\n");
        foreach (var row in rows)
            csv.AppendJoin(',', columns.Select(c => Field(c.Value(row)))).Append("\r\n");
        return csv.ToString();
    }

    // Money a row has no entry for is 0 in that currency; a missing ratio is an empty field.
    private static long Amount(IReadOnlyList<MoneyView> money, string currency) => money.FirstOrDefault(m => m.Currency == currency)?.Amount ?? 0;

    private static string Field(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => Quoted(Neutralised(s)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Quoted(Neutralised(value.ToString() ?? "")),
    };

    private static string Quoted(string s) => s.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{s.Replace("\"", "\"\"")}\"" : s;

    // A text cell a spreadsheet would run as a formula gets a leading quote; numbers are never text here, so -5 stays a number.
    private static string Neutralised(string text) => text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;
}
