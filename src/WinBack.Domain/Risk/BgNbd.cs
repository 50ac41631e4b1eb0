namespace WinBack.Domain.Risk;

/// <summary>The four BG/NBD parameters (Fader, Hardie &amp; Lee 2005); alpha is in the unit of time the model was fitted in (days).</summary>
public sealed record BgNbdParameters(double R, double Alpha, double A, double B)
{
    public bool IsValid => R > 0 && Alpha > 0 && A > 0 && B > 0 && double.IsFinite(R + Alpha + A + B);
}

/// <summary>One customer's purchase history as the model sees it.</summary>
/// <param name="X">Repeat purchases: purchases after the first.</param>
/// <param name="Tx">Time of the last purchase, counted from the first (0 when X is 0).</param>
/// <param name="T">Time from the first purchase to now.</param>
public readonly record struct PurchaseHistory(int X, double Tx, double T);

/// <summary>The BG/NBD closed forms that need no special functions (paper eq. 13 and its inverse).</summary>
public static class BgNbd
{
    /// <summary>
    /// P(alive | x, t_x, T) = 1 / (1 + [x&gt;0]·a/(b+x−1)·((α+T)/(α+t_x))^(r+x)). A customer with no repeat purchase is 1:
    /// in BG/NBD a customer can only drop out right after a purchase, so one-time buyers are never scored at risk.
    /// </summary>
    public static double PAlive(BgNbdParameters p, PurchaseHistory h)
    {
        if (h.X == 0)
            return 1.0;
        var logOdds = Math.Log(p.A / (p.B + h.X - 1)) + (p.R + h.X) * Math.Log((p.Alpha + h.T) / (p.Alpha + h.Tx));
        // 1/(1+e^z) without overflow for large z.
        return logOdds > 0 ? Math.Exp(-logOdds) / (1 + Math.Exp(-logOdds)) : 1 / (1 + Math.Exp(logOdds));
    }

    /// <summary>
    /// The age T* at which P(alive) falls to <paramref name="threshold"/> for fixed x and t_x:
    /// T* = (α+t_x)·[((1−θ)/θ)·(b+x−1)/a]^(1/(r+x)) − α. P(alive) falls monotonically in T, so the customer is at risk from
    /// T* on. Null when x is 0 (never at risk). When P(alive) is already below θ right after the last purchase, that is t_x.
    /// </summary>
    public static double? AtRiskAge(BgNbdParameters p, int x, double tx, double threshold)
    {
        if (!(threshold > 0 && threshold < 1))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The at-risk threshold is a probability strictly between 0 and 1.");
        if (x == 0)
            return null;
        var ratio = (1 - threshold) / threshold * (p.B + x - 1) / p.A;
        var age = (p.Alpha + tx) * Math.Pow(ratio, 1 / (p.R + x)) - p.Alpha;
        return Math.Max(age, tx);
    }
}
