using WinBack.Api.Features.Risk;

namespace WinBack.Api.Tests.Features.Risk;

public sealed class HypergeometricTests
{
    // Expected values: mpmath 1.3 hyp2f1 at 30 significant digits. The rows cover the ranges the model meets: z in (0, 0.9]
    // (the series), z near 1 (the 1 − z transformation), negative z (Pfaff), parameters that grow with x, and the closed forms
    // ₂F₁(1,1;2;z) = −ln(1−z)/z and ₂F₁(1.5,2;3;−3) = 2/9.
    [Theory]
    [InlineData(1, 1, 2, 0.5, 1.3862943611198906)]
    [InlineData(0.2426, 2.4259, 2.2188, 0.3, 1.1003510426751738)]
    [InlineData(2.2426, 4.4259, 4.2188, 0.9, 248.67619330287556)]
    [InlineData(0.5, 0.5, 1.5, -0.5, 0.93122985945271218)]
    [InlineData(1.5, 2, 3, -3, 0.22222222222222222)]
    [InlineData(10.2, 12.4, 13.2, 0.7, 95095.717852577072)]
    [InlineData(40.24, 42.43, 42.22, 0.999, 2.2160611688774129e+121)]
    [InlineData(0.2426, 2.4259, 2.2188, 0.95, 2.4429513633156689)]
    [InlineData(3, 2, 5, 0.99, 27.699347904322691)]
    [InlineData(0.2426, 2.4259, 2.2188, 0.995, 5.7188163405325212)]
    [InlineData(200.24, 202.43, 202.22, 0.6, 5.8416662154856116e+79)]
    [InlineData(1.5, 2.5, 4, 1e-9, 1.0000000009375)]
    public void Matches_values_computed_with_mpmath(double a, double b, double c, double z, double expected) =>
        Hypergeometric.Hyp2F1(a, b, c, z).ShouldBe(expected, Math.Abs(expected) * 1e-9);

    [Fact]
    public void Near_one_with_an_integer_c_minus_a_minus_b_stays_on_the_closed_form()
    {
        // c − a − b = 0 puts both terms of the 1 − z transformation on a pole; ₂F₁(1,1;2;z) = −ln(1−z)/z.
        Hypergeometric.Hyp2F1(1, 1, 2, 0.999).ShouldBe(-Math.Log(0.001) / 0.999, 1e-6);
        Hypergeometric.Hyp2F1(1, 1, 2, 0.97).ShouldBe(-Math.Log(0.03) / 0.97, 1e-12);
    }

    [Fact]
    public void A_polynomial_ends_exactly() =>
        // ₂F₁(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1)).
        Hypergeometric.Hyp2F1(-2, 3, 4, 0.95).ShouldBe(1 - 2 * 3 * 0.95 / 4 + 3 * 4 * 0.95 * 0.95 / (4 * 5), 1e-14);

    [Fact]
    public void Refuses_z_at_or_beyond_one() =>
        Should.Throw<ArgumentOutOfRangeException>(() => Hypergeometric.Hyp2F1(1, 1, 2, 1));
}
