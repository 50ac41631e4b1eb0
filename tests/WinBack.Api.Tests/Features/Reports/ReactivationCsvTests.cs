using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Reports;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Tests.Features.Reports;

/// <summary>Text a spreadsheet would run as a formula is neutralised; numbers, negative ones too, stay numbers.</summary>
public sealed class ReactivationCsvTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"http://evil.example\")", "\"'=HYPERLINK(\"\"http://evil.example\"\")\"")]
    [InlineData("+1+1", "'+1+1")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tcmd", "'\tcmd")]
    [InlineData("\rcmd", "\"'\rcmd\"")]
    [InlineData("fast-lane", "fast-lane")]
    public void Text_cells_that_start_like_a_formula_get_a_leading_quote(string variant, string cell)
    {
        var csv = ReactivationCsv.Of(new ReactivationReportView(DateTimeOffset.Parse("2026-11-24T09:00:00Z"), "variant", [Row(variant)], []));

        var line = csv.Split("\r\n")[1];
        line.ShouldStartWith(cell + ",");
    }

    [Fact]
    public void Negative_numbers_stay_numbers()
    {
        var csv = ReactivationCsv.Of(new ReactivationReportView(DateTimeOffset.Parse("2026-11-24T09:00:00Z"), "variant", [Row("a")], []));

        var lines = csv.Split("\r\n");
        var header = lines[0].Split(',');
        var row = lines[1].Split(',');
        row[Array.IndexOf(header, "uplift")].ShouldBe("-0.25");
        row[Array.IndexOf(header, "incrementalRevenue_eur")].ShouldBe("-500");
    }

    private static ReactivationRow Row(string variant)
    {
        var none = new RetentionView(0, 0, null);
        MoneyView[] eur = [new(1000, "eur")];
        return new ReactivationRow
        {
            Variant = variant, Lapsed = 4, Treated = 2, Holdout = 2,
            Withheld = new WithheldCounts(2, 0, 0, 0, 0), Uplift = new UpliftView(-0.25, -0.9, 0.4),
            RevenueAfterReturn = eur, RevenuePerLapsedCustomer = eur, RewardCost = new RewardCostView(eur, [], []),
            OutstandingLiability = [], IncrementalRevenue = [new MoneyView(-500, "eur")], Roi = [new RoiView("eur", -1.5)],
            Retained30 = none, Retained60 = none, Retained90 = none,
        };
    }
}
