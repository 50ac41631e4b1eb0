using WinBack.Domain.Risk;

namespace WinBack.Api.Features.Risk;

/// <summary>
/// The paper's Figure 1: how many customers made 0, 1, …, 6 and 7+ repeat purchases, against how many the fitted model
/// expects given each customer's time since the first purchase (Σ P(X(T) = k), eq. 8).
/// </summary>
internal static class Calibration
{
    public const int LastBucket = 7;

    public static IReadOnlyList<CalibrationBucket> Of(PurchaseHistories data, BgNbdParameters p)
    {
        var actual = new double[LastBucket + 1];
        var predicted = new double[LastBucket + 1];
        var logBetaAB = MathNet.Numerics.SpecialFunctions.BetaLn(p.A, p.B);
        var alive = Enumerable.Range(0, LastBucket).Select(k => Math.Exp(MathNet.Numerics.SpecialFunctions.BetaLn(p.A, p.B + k) - logBetaAB)).ToArray();
        var dropped = Enumerable.Range(0, LastBucket).Select(k => k == 0 ? 0
            : Math.Exp(MathNet.Numerics.SpecialFunctions.BetaLn(p.A + 1, p.B + k - 1) - logBetaAB)).ToArray();
        for (var i = 0; i < data.Count; i++)
        {
            var w = data.Weight[i];
            actual[Math.Min(data.X[i], LastBucket)] += w;
            // Poisson-gamma probabilities P_k = Γ(r+k)/(Γ(r)k!)·q^r·(1−q)^k, built up term by term.
            var q = p.Alpha / (p.Alpha + data.T[i]);
            double poisson = Math.Pow(q, p.R), below = 0, total = 0;
            for (var k = 0; k < LastBucket; k++)
            {
                var probability = alive[k] * poisson + dropped[k] * (1 - below);
                predicted[k] += w * probability;
                total += probability;
                below += poisson;
                poisson *= (p.R + k) / (k + 1) * (1 - q);
            }
            predicted[LastBucket] += w * Math.Max(0, 1 - total);
        }
        return Enumerable.Range(0, LastBucket + 1)
            .Select(k => new CalibrationBucket(k, (long)actual[k], Math.Round(predicted[k], 1)))
            .ToList();
    }
}
