using WinBack.Domain.Reports;

namespace WinBack.Domain.Tests.Reports;

public sealed class UpliftTests
{
    [Fact]
    public void The_interval_matches_Newcombes_published_example()
    {
        // Newcombe (1998), Statistics in Medicine 17:873-890, example (a): 56/70 against 48/80; method 10 gives 0.0524 to 0.3339.
        var uplift = Uplift.Of(56, 70, 48, 80)!;

        uplift.Value.ShouldBe(0.2, 1e-12);
        uplift.CiLow.ShouldBe(0.0524, 0.00005);
        uplift.CiHigh.ShouldBe(0.3339, 0.00005);
    }

    [Fact]
    public void A_small_table_worked_out_by_hand()
    {
        // 9 of 10 treated came back, 3 of 10 held out. z = 1.96, z² = 3.8415, n = 10.
        // Wilson, treated: (0.9 + 0.19207 ± 1.96·√(0.009 + 0.009604)) / 1.38415 = (1.09207 ± 0.26734) / 1.38415 → 0.59585 … 0.98212
        // Wilson, holdout: (0.3 + 0.19207 ± 1.96·√(0.021 + 0.009604)) / 1.38415 = (0.49207 ± 0.34288) / 1.38415 → 0.10779 … 0.60322
        // low  = 0.6 − √((0.9 − 0.59585)² + (0.60322 − 0.3)²) = 0.6 − √(0.092507 + 0.091942) = 0.6 − 0.42948 = 0.17052
        // high = 0.6 + √((0.98212 − 0.9)² + (0.3 − 0.10779)²) = 0.6 + √(0.006744 + 0.036945) = 0.6 + 0.20902 = 0.80902
        var uplift = Uplift.Of(9, 10, 3, 10)!;

        uplift.Value.ShouldBe(0.6, 1e-12);
        uplift.CiLow.ShouldBe(0.17052, 0.00001);
        uplift.CiHigh.ShouldBe(0.80902, 0.00001);
    }

    [Fact]
    public void Rates_of_zero_still_have_an_interval_and_an_empty_group_has_none()
    {
        var none = Uplift.Of(0, 10, 0, 10)!;
        none.Value.ShouldBe(0);
        none.CiLow.ShouldBe(-0.27753, 0.00001);
        none.CiHigh.ShouldBe(0.27753, 0.00001);

        Uplift.Of(3, 10, 0, 0).ShouldBeNull();
        Uplift.Of(0, 0, 3, 10).ShouldBeNull();
    }
}
