namespace WinBack.Domain.Reports;

/// <summary>The difference of two rates with its 95% confidence interval.</summary>
public sealed record Uplift(double Value, double CiLow, double CiHigh)
{
    /// <summary>The two-sided 95% normal quantile.</summary>
    public const double Z = 1.959963984540054;

    /// <summary>
    /// Treated rate minus holdout rate, with Newcombe's hybrid score interval (his method 10, 1998): the Wilson score
    /// interval of each rate, combined as d − √((p₁−l₁)² + (u₂−p₂)²) … d + √((u₁−p₁)² + (p₂−l₂)²). Unlike the simple
    /// Wald interval it stays inside [−1, 1] and is sensible with small groups and rates near 0 or 1.
    /// Null when either group is empty.
    /// </summary>
    public static Uplift? Of(long treatedReturned, long treated, long holdoutReturned, long holdout)
    {
        if (treated == 0 || holdout == 0)
            return null;
        var (p1, l1, u1) = Wilson(treatedReturned, treated);
        var (p2, l2, u2) = Wilson(holdoutReturned, holdout);
        var d = p1 - p2;
        return new Uplift(d, d - Math.Sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)),
            d + Math.Sqrt((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2)));
    }

    /// <summary>The rate x/n and its Wilson score interval.</summary>
    public static (double Rate, double Low, double High) Wilson(long x, long n)
    {
        var p = (double)x / n;
        var z2 = Z * Z;
        var centre = p + z2 / (2 * n);
        var spread = Z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        var scale = 1 + z2 / n;
        return (p, (centre - spread) / scale, (centre + spread) / scale);
    }
}
