using System.Globalization;
using WinBack.Api.Features.Customers;
using WinBack.Domain.Risk;

namespace WinBack.Api.Features.Risk;

/// <summary>
/// The one derivation of a customer's (x, t_x, T) in fractional days, as SQL over the typed columns of the customers' table
/// (<see cref="CustomerSummaries.Table"/>), so that the fit, a single customer's score and the maxPAlive filter all read a history
/// the same way. Customers with no first purchase recorded (summaries from before it was) fall back to first seen, which is
/// never later than the first purchase. <c>now</c> is a SQL expression (a parameter placeholder) for the tenant's time.
/// </summary>
internal static class PurchaseHistorySql
{
    private const string FirstAt = "coalesce(first_purchase_at, first_seen_at)";
    private const string LastAt = "last_purchase_at";
    private const string Orders = "order_count";

    /// <summary>Whether the customer has a purchase history at <paramref name="now"/>: bought at least once, first purchase not after now.</summary>
    public static string HasHistory(string now) =>
        $"({LastAt} is not null and {Orders} > 0 and {FirstAt} <= {now})";

    public const string X = $"greatest({Orders} - 1, 0)";

    public static string Tx(string now) =>
        $"(case when {Orders} > 1 then least(extract(epoch from {LastAt} - {FirstAt}), extract(epoch from {now} - {FirstAt}))::float8 / 86400 else 0 end)";

    /// <summary>
    /// When a customer with a repeat purchase falls below P(alive) <paramref name="threshold"/>, as a number of days after their
    /// first purchase: <see cref="BgNbd.AtRiskAge"/> in SQL (T* = (α+t_x)·[((1−θ)/θ)·(b+x−1)/a]^(1/(r+x)) − α, at least t_x).
    /// Only for rows with <see cref="Orders"/> above 1. Literals as in <see cref="PAlive"/>.
    /// </summary>
    public static string AtRiskAge(BgNbdParameters p, double threshold)
    {
        var x = X;
        var tx = $"greatest(extract(epoch from {LastAt} - {FirstAt})::float8 / 86400, 0)";
        var ratio = $"(({L(1 - threshold)} / {L(threshold)}) * ({L(p.B)} + {x} - 1) / {L(p.A)})";
        return $"greatest(({L(p.Alpha)} + {tx}) * power({ratio}, 1 / ({L(p.R)} + {x})) - {L(p.Alpha)}, {tx})";
    }

    /// <summary>The moment the first purchase was made (the origin of x, t_x and T).</summary>
    public const string FirstPurchaseAt = FirstAt;

    /// <summary>Whether the customer has a repeat purchase (x &gt; 0), the only ones BG/NBD can see at risk.</summary>
    public const string HasRepeatPurchase = $"({LastAt} is not null and {Orders} > 1)";

    public static string T(string now) => $"(extract(epoch from {now} - {FirstAt})::float8 / 86400)";

    /// <summary>
    /// <see cref="BgNbd.PAlive"/> in SQL, for filtering many customers without loading them: 1 with no repeat purchase, else
    /// 1/(1+e^z) with z the log-odds; z is capped at 700 so that exp cannot overflow (the result is then below 1e-300).
    /// The parameters are doubles written as invariant round-trip literals, never text from a request.
    /// </summary>
    public static string PAlive(BgNbdParameters p, string now)
    {
        var x = X;
        var logOdds = $"(ln({L(p.A)} / ({L(p.B)} + {x} - 1)) + ({L(p.R)} + {x}) * ln(({L(p.Alpha)} + {T(now)}) / ({L(p.Alpha)} + {Tx(now)})))";
        return $"(case when {x} = 0 then 1::float8 else 1 / (1 + exp(least({logOdds}, 700))) end)";
    }

    private static string L(double v) => v.ToString("R", CultureInfo.InvariantCulture) + "::float8";
}
