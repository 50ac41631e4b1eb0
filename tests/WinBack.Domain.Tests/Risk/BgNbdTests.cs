using WinBack.Domain.Risk;

namespace WinBack.Domain.Tests.Risk;

public sealed class BgNbdTests
{
    // The CDNOW maximum-likelihood parameters published by Fader, Hardie & Lee (2005), time in weeks.
    private static readonly BgNbdParameters Cdnow = new(0.2426, 4.4136, 0.7929, 2.4259);

    // Expected values: the paper's eq. 13 evaluated with mpmath 1.3 at 30 significant digits (the same formula lifetimes'
    // BetaGeoFitter.conditional_probability_alive uses); customers 1 and 2 are the first rows of lifetimes' cdnow_customers_summary.csv.
    [Theory]
    [InlineData(2, 30.43, 38.86, 0.72661404485424713)]
    [InlineData(1, 1.71, 38.86, 0.21223426371008024)]
    [InlineData(7, 29.43, 31.57, 0.87206038460185394)]
    [InlineData(40, 38.5, 39, 0.97039602520492085)]
    public void P_alive_matches_the_paper_formula_computed_independently(int x, double tx, double T, double expected) =>
        BgNbd.PAlive(Cdnow, new PurchaseHistory(x, tx, T)).ShouldBe(expected, 1e-12);

    [Fact]
    public void A_customer_without_a_repeat_purchase_is_alive_whatever_the_time() =>
        BgNbd.PAlive(Cdnow, new PurchaseHistory(0, 0, 10_000)).ShouldBe(1.0);

    [Fact]
    public void P_alive_does_not_overflow_for_a_heavy_buyer_long_gone() =>
        BgNbd.PAlive(Cdnow, new PurchaseHistory(5_000, 1, 1e6)).ShouldBe(0.0, 1e-300);

    [Theory]
    [InlineData(2, 30.43, 0.3)]
    [InlineData(1, 1.71, 0.1)]
    [InlineData(7, 29.43, 0.5)]
    [InlineData(40, 38.5, 0.9)]
    public void P_alive_at_the_crossing_age_is_the_threshold_and_falls_after_it(int x, double tx, double threshold)
    {
        var age = BgNbd.AtRiskAge(Cdnow, x, tx, threshold)!.Value;

        age.ShouldBeGreaterThan(tx);
        BgNbd.PAlive(Cdnow, new PurchaseHistory(x, tx, age)).ShouldBe(threshold, 1e-12);
        BgNbd.PAlive(Cdnow, new PurchaseHistory(x, tx, age - 0.01)).ShouldBeGreaterThan(threshold);
        BgNbd.PAlive(Cdnow, new PurchaseHistory(x, tx, age + 0.01)).ShouldBeLessThan(threshold);
    }

    [Fact]
    public void A_customer_without_a_repeat_purchase_never_becomes_at_risk() =>
        BgNbd.AtRiskAge(Cdnow, 0, 0, 0.3).ShouldBeNull();

    [Fact]
    public void A_customer_below_the_threshold_right_after_the_last_purchase_is_at_risk_from_that_purchase()
    {
        // Right after the purchase P(alive) = 1/(1 + a/(b+x−1)) = 0.754 for x = 1: a threshold of 0.9 is crossed at once.
        BgNbd.PAlive(Cdnow, new PurchaseHistory(1, 5, 5)).ShouldBeLessThan(0.9);
        BgNbd.AtRiskAge(Cdnow, 1, 5, 0.9).ShouldBe(5);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    public void A_threshold_outside_zero_to_one_is_refused(double threshold) =>
        Should.Throw<ArgumentOutOfRangeException>(() => BgNbd.AtRiskAge(Cdnow, 2, 10, threshold));
}
