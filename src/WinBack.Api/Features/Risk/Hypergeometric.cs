using MathNet.Numerics;

namespace WinBack.Api.Features.Risk;

/// <summary>
/// The Gaussian hypergeometric function ₂F₁(a, b; c; z) for real arguments and z &lt; 1. The power series converges for
/// |z| &lt; 1; a negative z is first mapped into (0, 1) by Pfaff's transformation, and z above 0.99 (where the series needs
/// thousands of terms) uses the linear transformation to 1 − z (Abramowitz &amp; Stegun 15.3.6), as scipy's hyp2f1 does.
/// </summary>
public static class Hypergeometric
{
    private const double SeriesLimit = 0.99;
    private const int MaxTerms = 500_000;

    public static double Hyp2F1(double a, double b, double c, double z)
    {
        if (!(z < 1) || double.IsNaN(a + b + c))
            throw new ArgumentOutOfRangeException(nameof(z), z, "₂F₁ is evaluated here for real z below 1 only.");
        if (IsNonPositiveInteger(c) && !(IsNonPositiveInteger(a) && a > c || IsNonPositiveInteger(b) && b > c))
            throw new ArgumentOutOfRangeException(nameof(c), c, "₂F₁ has a pole when c is 0 or a negative integer.");
        if (z == 0 || a == 0 || b == 0)
            return 1;
        // Pfaff (A&S 15.3.4): ₂F₁(a,b;c;z) = (1−z)^(−a) ₂F₁(a, c−b; c; z/(z−1)), and z/(z−1) lies in (0, 1).
        if (z < 0)
            return Math.Pow(1 - z, -a) * Hyp2F1(a, c - b, c, z / (z - 1));
        // A polynomial (a or b a non-positive integer) ends after finitely many terms: the series is exact.
        if (z <= SeriesLimit || IsNonPositiveInteger(a) || IsNonPositiveInteger(b))
            return Series(a, b, c, z);
        return NearOne(a, b, c, z);
    }

    /// <summary>Σ (a)ₙ(b)ₙ/((c)ₙ n!) zⁿ, summed until a term no longer changes the sum and the terms shrink.</summary>
    internal static double Series(double a, double b, double c, double z)
    {
        double sum = 1, term = 1;
        for (var n = 0; n < MaxTerms; n++)
        {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            sum += term;
            // Small and shrinking from here on: later terms cannot add up to anything the sum would show.
            if (term == 0 || Math.Abs(term) < 1e-17 * Math.Abs(sum) && Math.Abs((a + n + 1) * (b + n + 1) * z / ((c + n + 1) * (n + 2))) < 1)
                return sum;
        }
        throw new ArithmeticException($"The ₂F₁({a}, {b}; {c}; {z}) series did not converge in {MaxTerms} terms.");
    }

    // A&S 15.3.6. When c − a − b is (nearly) an integer the two terms have poles that cancel; the average at two
    // neighbouring b's, 1e-4 either side, keeps clear of the pole (error of order 1e-8 relative, far below what the model needs).
    private static double NearOne(double a, double b, double c, double z)
    {
        var m = c - a - b;
        if (Math.Abs(m - Math.Round(m)) >= 1e-6)
            return Connection(a, b, c, z);
        const double delta = 1e-4;
        return (Connection(a, b + delta, c, z) + Connection(a, b - delta, c, z)) / 2;
    }

    private static double Connection(double a, double b, double c, double z)
    {
        var m = c - a - b;
        var w = 1 - z;
        var first = GammaRatio([c, m], [c - a, c - b]) * Series(a, b, 1 - m, w);
        var second = GammaRatio([c, -m], [a, b]) * Math.Pow(w, m) * Series(c - a, c - b, 1 + m, w);
        return first + second;
    }

    /// <summary>ΠΓ(numerators) / ΠΓ(denominators), through log|Γ| and its sign, so that large arguments do not overflow.</summary>
    internal static double GammaRatio(double[] numerators, double[] denominators)
    {
        double log = 0, sign = 1;
        foreach (var x in denominators)
        {
            if (IsNonPositiveInteger(x))
                return 0; // 1/Γ is 0 at a pole.
            var (l, s) = LogGamma(x);
            log -= l;
            sign *= s;
        }
        foreach (var x in numerators)
        {
            var (l, s) = LogGamma(x);
            log += l;
            sign *= s;
        }
        return sign * Math.Exp(log);
    }

    /// <summary>ln|Γ(x)| and the sign of Γ(x); for negative x by the reflection Γ(x)Γ(1−x) = π/sin(πx).</summary>
    internal static (double Log, double Sign) LogGamma(double x)
    {
        if (x > 0)
            return (SpecialFunctions.GammaLn(x), 1);
        var sin = Math.Sin(Math.PI * x);
        return (Math.Log(Math.PI) - Math.Log(Math.Abs(sin)) - SpecialFunctions.GammaLn(1 - x), Math.Sign(sin));
    }

    private static bool IsNonPositiveInteger(double x) => x <= 0 && x == Math.Floor(x);
}
