using WinBack.Api.Features.Risk;
using WinBack.Domain.Risk;

namespace WinBack.Api.Tests.Features.Risk;

public sealed class BgNbdFormulasTests
{
    // The CDNOW maximum-likelihood parameters published by Fader, Hardie & Lee (2005), time in weeks.
    private static readonly BgNbdParameters Cdnow = new(0.2426, 4.4136, 0.7929, 2.4259);

    // Expected values: the paper's eq. 6 (log-likelihood) and eq. 10 (E[Y(39)]) evaluated with mpmath 1.3 (loggamma,
    // hyp2f1) at 30 significant digits, without the Euler transformation used here.
    [Theory]
    [InlineData(2, 30.43, 38.86, -9.4596734501159921, 1.2259226579870331)]
    [InlineData(1, 1.71, 38.86, -4.4704453758993017, 0.2032585255260537)]
    [InlineData(0, 0, 38.86, -0.55381991128943085, 0.19478676916062002)]
    [InlineData(7, 29.43, 31.57, -20.835261374012181, 5.2605565382057857)]
    [InlineData(40, 38.5, 39, -47.450228765359948, 27.032846043134801)]
    public void Likelihood_and_expected_purchases_match_the_paper_formulas(int x, double tx, double T, double logLikelihood, double expected39)
    {
        var history = new PurchaseHistory(x, tx, T);

        BgNbdFormulas.LogLikelihood(Cdnow, history).ShouldBe(logLikelihood, 1e-10);
        BgNbdFormulas.ExpectedPurchases(Cdnow, history, 39).ShouldBe(expected39, 1e-9);
    }

    [Fact]
    public void Expected_purchases_of_customer_1_match_Hardies_spreadsheet()
    {
        // lifetimes' test_conditional_expectation_returns_same_value_as_Hardie_excel_sheet: 1.226 for x=2, t_x=30.43, T=38.86, t=39.
        BgNbdFormulas.ExpectedPurchases(Cdnow, new PurchaseHistory(2, 30.43, 38.86), 39).ShouldBe(1.226, 0.001);
    }

    // Unconditional E[X(t)] (eq. 7): Hardie's spreadsheet values as lifetimes' test_expectation_returns_same_value_Hardie_excel_sheet
    // checks them (3 decimals; the spreadsheet used unrounded parameters), and mpmath with these rounded parameters.
    [Theory]
    [InlineData(0.1429, 0.0078, 0.0078161809918970735)]
    [InlineData(1.0, 0.0532, 0.05318554122653926)]
    [InlineData(3.0, 0.1506, 0.15063450121286462)]
    [InlineData(31.8571, 1.0405, 1.0405209320669449)]
    [InlineData(32.0, 1.0437, 1.0437639538152024)]
    [InlineData(78.0, 1.8576, 1.8580239048662915)]
    public void Expected_purchases_of_a_new_customer_match_the_spreadsheet(double t, double spreadsheet, double mpmath)
    {
        var expected = BgNbdFormulas.ExpectedPurchases(Cdnow, new PurchaseHistory(0, 0, 0), t);

        expected.ShouldBe(spreadsheet, 0.001);
        expected.ShouldBe(mpmath, 1e-9);
    }

    [Fact]
    public void The_purchase_count_distribution_matches_R_BTYD()
    {
        // lifetimes' test_probability_of_n_purchases_up_to_time_same_as_R_BTYD (values from R's BTYD package).
        var p = new BgNbdParameters(0.243, 4.414, 0.793, 2.426);

        BgNbdFormulas.ProbabilityOfPurchases(p, 2, 10).ShouldBe(1.07869e-07, 1e-10);
        BgNbdFormulas.ProbabilityOfPurchases(p, 39, 0).ShouldBe(0.5737864, 1e-6);
        BgNbdFormulas.ProbabilityOfPurchases(p, 30, 11).ShouldBe(0.0019995214, 1e-8);
        BgNbdFormulas.ProbabilityOfPurchases(p, 30, 20).ShouldBe(0.0002222260, 1e-8);
    }
}
