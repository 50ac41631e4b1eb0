using MathNet.Numerics;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Risk;

namespace WinBack.Api.Features.Risk;

/// <summary>The BG/NBD formulas that need special functions (log-gamma, ₂F₁): the likelihood, expected purchases, and P(X(t) = x).</summary>
[Published]
public static class BgNbdFormulas
{
    /// <summary>
    /// One customer's log-likelihood (paper eq. 6), as lifetimes computes it: ln[Γ(r+x)α^r/Γ(r)] + ln[B(a,b+x)/B(a,b)] +
    /// ln[(α+T)^−(r+x) + [x&gt;0]·a/(b+x−1)·(α+t_x)^−(r+x)]. A customer with x = 0 has only the first term in the bracket.
    /// </summary>
    public static double LogLikelihood(BgNbdParameters p, PurchaseHistory h) =>
        CustomerTerms.Of(p, h.X).LogLikelihood(p, h.Tx, h.T);

    /// <summary>
    /// E[Y(t) | x, t_x, T]: expected purchases in the next <paramref name="t"/> (paper eq. 10). With x = 0 and T = 0 it is the
    /// unconditional E[X(t)] of a new customer (eq. 7). Euler's transformation turns (1−z)^(r+x)·₂F₁(r+x, b+x; a+b+x−1; z)
    /// into (1−z)^(a−1)·₂F₁(a+b−1−r, a−1; a+b+x−1; z), whose parameters do not grow with x, so it neither overflows nor
    /// loses precision for heavy buyers.
    /// </summary>
    public static double ExpectedPurchases(BgNbdParameters p, PurchaseHistory h, double t)
    {
        if (t <= 0)
            return 0;
        var z = t / (p.Alpha + h.T + t);
        var c = p.A + p.B + h.X - 1;
        var f = Hypergeometric.Hyp2F1(p.A + p.B - 1 - p.R, p.A - 1, c, z);
        var bracket = 1 - Math.Pow(1 - z, p.A - 1) * f;
        return BgNbd.PAlive(p, h) * c / (p.A - 1) * bracket;
    }

    /// <summary>P(X(t) = x): the chance that a new customer makes exactly x repeat purchases in (0, t] (paper eq. 8).</summary>
    public static double ProbabilityOfPurchases(BgNbdParameters p, double t, int x)
    {
        var logBetaAB = SpecialFunctions.BetaLn(p.A, p.B);
        var q = p.Alpha / (p.Alpha + t);
        var logPoissonGamma = SpecialFunctions.GammaLn(p.R + x) - SpecialFunctions.GammaLn(p.R) - SpecialFunctions.GammaLn(x + 1)
                              + p.R * Math.Log(q) + (x == 0 ? 0 : x * Math.Log(1 - q));
        var alive = Math.Exp(SpecialFunctions.BetaLn(p.A, p.B + x) - logBetaAB + logPoissonGamma);
        if (x == 0)
            return alive;
        // The chance of having dropped out right after the x-th purchase: fewer than x purchases would have come anyway.
        double cumulative = 0, logTerm = p.R * Math.Log(q);
        for (var j = 0; j < x; j++)
        {
            cumulative += Math.Exp(logTerm);
            logTerm += Math.Log(p.R + j) - Math.Log(j + 1) + Math.Log(1 - q);
        }
        return alive + Math.Exp(SpecialFunctions.BetaLn(p.A + 1, p.B + x - 1) - logBetaAB) * (1 - cumulative);
    }
}

/// <summary>The parts of a customer's log-likelihood that depend only on x, computed once per distinct x in a fit.</summary>
internal readonly record struct CustomerTerms(double Constant, double Power, double LogDropout)
{
    public static CustomerTerms Of(BgNbdParameters p, int x) => new(
        SpecialFunctions.GammaLn(p.R + x) - SpecialFunctions.GammaLn(p.R) + p.R * Math.Log(p.Alpha)
        + SpecialFunctions.GammaLn(p.A + p.B) + SpecialFunctions.GammaLn(p.B + x) - SpecialFunctions.GammaLn(p.B) - SpecialFunctions.GammaLn(p.A + p.B + x),
        p.R + x,
        x > 0 ? Math.Log(p.A) - Math.Log(p.B + x - 1) : double.NaN);

    public double LogLikelihood(BgNbdParameters p, double tx, double T)
    {
        var stays = -Power * Math.Log(p.Alpha + T);
        if (double.IsNaN(LogDropout))
            return Constant + stays;
        var drops = LogDropout - Power * Math.Log(p.Alpha + tx);
        // log(e^s + e^d) without overflow.
        var max = Math.Max(stays, drops);
        return Constant + max + Math.Log(Math.Exp(stays - max) + Math.Exp(drops - max));
    }
}
