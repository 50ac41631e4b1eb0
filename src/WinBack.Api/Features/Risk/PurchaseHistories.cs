using WinBack.Domain.Risk;

namespace WinBack.Api.Features.Risk;

/// <summary>The (x, t_x, T) rows a fit runs on, in days, each with the number of customers that share it.</summary>
public sealed class PurchaseHistories
{
    public PurchaseHistories(int[] x, double[] tx, double[] t, double[] weight)
    {
        if (tx.Length != x.Length || t.Length != x.Length || weight.Length != x.Length)
            throw new ArgumentException("Every row needs x, t_x, T and a weight.");
        X = x;
        Tx = tx;
        T = t;
        Weight = weight;
        Customers = (long)weight.Sum();
        RepeatBuyers = (long)Enumerable.Range(0, x.Length).Where(i => x[i] > 0).Sum(i => weight[i]);
        MaxX = x.Length == 0 ? 0 : x.Max();
    }

    public int[] X { get; }
    public double[] Tx { get; }
    public double[] T { get; }
    public double[] Weight { get; }
    public int Count => X.Length;
    public long Customers { get; }
    public long RepeatBuyers { get; }
    public int MaxX { get; }

    public FitPopulation Population => new(Customers, RepeatBuyers);

    public static PurchaseHistories Of(IReadOnlyList<PurchaseHistory> customers) => new(
        customers.Select(c => c.X).ToArray(), customers.Select(c => c.Tx).ToArray(), customers.Select(c => c.T).ToArray(),
        customers.Select(_ => 1.0).ToArray());
}
