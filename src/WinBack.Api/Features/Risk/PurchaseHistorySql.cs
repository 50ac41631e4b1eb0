using System.Globalization;
using WinBack.Domain.Risk;

namespace WinBack.Api.Features.Risk;

/// <summary>
/// The one derivation of a customer's (x, t_x, T) in fractional days, as SQL over a customer summary's jsonb, so that the
/// fit, a single customer's score and the maxPAlive filter all read a history the same way. Summaries stored before
/// firstPurchaseAt existed fall back to firstSeenAt, which is never later than the first purchase. <c>now</c> is a SQL
/// expression (a parameter placeholder) for the tenant's time.
/// </summary>
internal static class PurchaseHistorySql
{
    private static string FirstAt(string data) =>
        $"coalesce({data} -> 'state' ->> 'firstPurchaseAt', {data} -> 'state' ->> 'firstSeenAt')::timestamptz";
    private static string LastAt(string data) => $"({data} -> 'state' ->> 'lastPurchaseAt')::timestamptz";
    private static string Orders(string data) =>
        $"(({data} -> 'state' ->> 'recordedOrderCount')::int + coalesce(({data} -> 'state' -> 'imported' ->> 'orderCount')::int, 0))";

    /// <summary>Whether the customer has a purchase history at <paramref name="now"/>: bought at least once, first purchase not after now.</summary>
    public static string HasHistory(string data, string now) =>
        $"({data} -> 'state' ->> 'lastPurchaseAt' is not null and {Orders(data)} > 0 and {FirstAt(data)} <= {now})";

    public static string X(string data) => $"greatest({Orders(data)} - 1, 0)";

    public static string Tx(string data, string now) =>
        $"(case when {Orders(data)} > 1 then least(extract(epoch from {LastAt(data)} - {FirstAt(data)}), extract(epoch from {now} - {FirstAt(data)}))::float8 / 86400 else 0 end)";

    /// <summary>
    /// When a customer with a repeat purchase falls below P(alive) <paramref name="threshold"/>, as a number of days after their
    /// first purchase: <see cref="BgNbd.AtRiskAge"/> in SQL (T* = (α+t_x)·[((1−θ)/θ)·(b+x−1)/a]^(1/(r+x)) − α, at least t_x).
    /// Only for rows with <see cref="Orders"/> above 1. Literals as in <see cref="PAlive"/>.
    /// </summary>
    public static string AtRiskAge(BgNbdParameters p, string data, double threshold)
    {
        var x = X(data);
        var tx = $"greatest(extract(epoch from {LastAt(data)} - {FirstAt(data)})::float8 / 86400, 0)";
        var ratio = $"(({L(1 - threshold)} / {L(threshold)}) * ({L(p.B)} + {x} - 1) / {L(p.A)})";
        return $"greatest(({L(p.Alpha)} + {tx}) * power({ratio}, 1 / ({L(p.R)} + {x})) - {L(p.Alpha)}, {tx})";
    }

    /// <summary>The moment the first purchase was made (the origin of x, t_x and T).</summary>
    public static string FirstPurchaseAt(string data) => FirstAt(data);

    /// <summary>Whether the customer has a repeat purchase (x &gt; 0), the only ones BG/NBD can see at risk.</summary>
    public static string HasRepeatPurchase(string data) => $"({data} -> 'state' ->> 'lastPurchaseAt' is not null and {Orders(data)} > 1)";

    public static string T(string data, string now) => $"(extract(epoch from {now} - {FirstAt(data)})::float8 / 86400)";

    /// <summary>
    /// <see cref="BgNbd.PAlive"/> in SQL, for filtering many customers without loading them: 1 with no repeat purchase, else
    /// 1/(1+e^z) with z the log-odds; z is capped at 700 so that exp cannot overflow (the result is then below 1e-300).
    /// The parameters are doubles written as invariant round-trip literals, never text from a request.
    /// </summary>
    public static string PAlive(BgNbdParameters p, string data, string now)
    {
        var x = X(data);
        var logOdds = $"(ln({L(p.A)} / ({L(p.B)} + {x} - 1)) + ({L(p.R)} + {x}) * ln(({L(p.Alpha)} + {T(data, now)}) / ({L(p.Alpha)} + {Tx(data, now)})))";
        return $"(case when {x} = 0 then 1::float8 else 1 / (1 + exp(least({logOdds}, 700))) end)";
    }

    private static string L(double v) => v.ToString("R", CultureInfo.InvariantCulture) + "::float8";
}
