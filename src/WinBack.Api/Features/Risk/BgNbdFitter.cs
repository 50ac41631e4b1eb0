using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using WinBack.Domain.Risk;

namespace WinBack.Api.Features.Risk;

public sealed record BgNbdFit(BgNbdParameters Parameters, double LogLikelihood, int Iterations);

/// <summary>A fit that did not converge, with the reason an admin reads.</summary>
public sealed class BgNbdFitFailed(string reason) : Exception(reason);

/// <summary>
/// Maximum likelihood for BG/NBD on the log scale of (r, α, a, b), so the optimiser never leaves the positive parameters:
/// Nelder–Mead (no gradients needed), restarted from its own answer until a restart gains nothing, which guards against
/// the simplex collapsing early. The likelihood is summed over the aggregated rows on every core.
/// </summary>
public static class BgNbdFitter
{
    private const double Tolerance = 1e-12;
    private const double LogBound = 25;

    public static BgNbdFit Fit(PurchaseHistories data, int maxIterations)
    {
        if (data.Customers == 0 || data.RepeatBuyers == 0)
            throw new BgNbdFitFailed("There are no repeat purchases to fit.");
        var objective = ObjectiveFunction.Value(v => -MeanLogLikelihood(data, FromLog(v)));
        var point = Vector<double>.Build.DenseOfArray(Start(data));
        var best = double.PositiveInfinity;
        var iterations = 0;
        for (var restart = 0; restart < 5; restart++)
        {
            MinimizationResult result;
            try
            {
                result = NelderMeadSimplex.Minimum(objective, point, Vector<double>.Build.Dense(4, restart == 0 ? 1.0 : 0.1),
                    Tolerance, Math.Max(1, maxIterations - iterations));
            }
            catch (MaximumIterationsException)
            {
                throw new BgNbdFitFailed($"The optimiser did not converge within {maxIterations} iterations.");
            }
            iterations += result.Iterations;
            point = result.MinimizingPoint;
            var value = result.FunctionInfoAtMinimum.Value;
            var gained = best - value;
            best = value;
            if (gained < 1e-10)
                break;
        }
        var parameters = FromLog(point);
        if (point.Any(v => Math.Abs(v) >= LogBound - 1) || !parameters.IsValid || !double.IsFinite(best))
            throw new BgNbdFitFailed($"The fit ran off to a boundary (r={parameters.R:G4}, alpha={parameters.Alpha:G4}, a={parameters.A:G4}, " +
                                     $"b={parameters.B:G4}): the purchases do not fit a BG/NBD model.");
        return new BgNbdFit(parameters, LogLikelihood(data, parameters), iterations);
    }

    /// <summary>The total log-likelihood of the rows.</summary>
    public static double LogLikelihood(PurchaseHistories data, BgNbdParameters p)
    {
        var terms = new CustomerTerms[data.MaxX + 1];
        var known = new bool[data.MaxX + 1];
        for (var i = 0; i < data.Count; i++)
            if (!known[data.X[i]])
            {
                terms[data.X[i]] = CustomerTerms.Of(p, data.X[i]);
                known[data.X[i]] = true;
            }
        // Fixed chunks summed in order: the same data gives the same sum, however the threads ran.
        const int chunk = 65_536;
        var partial = new double[(data.Count + chunk - 1) / chunk];
        Parallel.For(0, partial.Length, c =>
        {
            double sum = 0;
            for (int i = c * chunk, end = Math.Min(data.Count, i + chunk); i < end; i++)
                sum += data.Weight[i] * terms[data.X[i]].LogLikelihood(p, data.Tx[i], data.T[i]);
            partial[c] = sum;
        });
        return partial.Sum();
    }

    private static double MeanLogLikelihood(PurchaseHistories data, BgNbdParameters p)
    {
        var ll = LogLikelihood(data, p) / data.Customers;
        // Outside the bounds, or where the sum is not a number, the objective is merely very bad, so the simplex turns back.
        return double.IsFinite(ll) ? ll : -1e100;
    }

    private static BgNbdParameters FromLog(Vector<double> v) => v.Any(x => Math.Abs(x) > LogBound)
        ? new BgNbdParameters(double.NaN, double.NaN, double.NaN, double.NaN)
        : new BgNbdParameters(Math.Exp(v[0]), Math.Exp(v[1]), Math.Exp(v[2]), Math.Exp(v[3]));

    // r = 1 and α from the mean purchase rate (E[λ] = r/α), a = 1 and b = 3 (a quarter drop out after a purchase).
    private static double[] Start(PurchaseHistories data)
    {
        double purchases = 0, exposure = 0;
        for (var i = 0; i < data.Count; i++)
        {
            purchases += data.Weight[i] * data.X[i];
            exposure += data.Weight[i] * data.T[i];
        }
        var alpha = Math.Clamp(exposure / Math.Max(purchases, 1), 1e-3, 1e6);
        return [0, Math.Log(alpha), 0, Math.Log(3)];
    }
}
