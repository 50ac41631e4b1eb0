namespace WinBack.Domain.Reports;

/// <summary>The counts of one report group, split into treated episodes (any arm) and held-out ones.</summary>
public sealed record EpisodeCounts(long Treated, long TreatedReturned, long Holdout, long HoldoutReturned);

/// <summary>Money of one report group in one currency, in minor units.</summary>
public sealed record GroupMoney(long Revenue, long TreatedRevenue, long HoldoutRevenue, long Issued, long Redeemed, long Expired, long Outstanding);

/// <summary>The derived figures of one currency.</summary>
/// <param name="RevenuePerLapsedCustomer">Revenue after return over all lapsed customers of the group, rounded to a minor unit.</param>
/// <param name="IncrementalRevenue">(treated revenue per treated lapsed customer − holdout revenue per held-out lapsed customer)
/// × treated lapsed customers, rounded to a minor unit; null without both groups.</param>
/// <param name="Roi">(incremental revenue − redeemed reward cost) / redeemed reward cost; null when nothing was redeemed or there is no incremental revenue.</param>
public sealed record CurrencyFigures(string Currency, long RevenuePerLapsedCustomer, long? IncrementalRevenue, double? Roi);

/// <summary>
/// The arithmetic of the reactivation report, pure: rates are null (not zero) when their denominator is zero, money
/// stays in integer minor units (averages are rounded half away from zero), and uplift is <see cref="Uplift.Of"/>.
/// </summary>
public static class ReactivationFigures
{
    public static double? Rate(long part, long whole) => whole == 0 ? null : (double)part / whole;

    public static CurrencyFigures Of(string currency, GroupMoney money, long lapsed, EpisodeCounts counts)
    {
        // (Rt/Nt − Rh/Nh) × Nt = Rt − Rh × Nt/Nh
        long? incremental = counts.Treated == 0 || counts.Holdout == 0
            ? null
            : Round(money.TreatedRevenue - (double)money.HoldoutRevenue * counts.Treated / counts.Holdout);
        double? roi = incremental is { } gain && money.Redeemed > 0 ? (gain - money.Redeemed) / (double)money.Redeemed : null;
        return new CurrencyFigures(currency, lapsed == 0 ? 0 : Round((double)money.Revenue / lapsed), incremental, roi);
    }

    /// <summary>The median of a histogram of whole days (as PostgreSQL's percentile_cont(0.5): the middle value, or the mean of the two middle ones).</summary>
    public static double? Median(IEnumerable<(int Days, long Count)> histogram)
    {
        var buckets = histogram.Where(b => b.Count > 0).OrderBy(b => b.Days).ToList();
        var total = buckets.Sum(b => b.Count);
        if (total == 0)
            return null;
        int At(long position)
        {
            foreach (var (days, count) in buckets)
            {
                if (position < count)
                    return days;
                position -= count;
            }
            throw new InvalidOperationException("Position past the histogram.");
        }
        return (At((total - 1) / 2) + At(total / 2)) / 2.0;
    }

    private static long Round(double value) => (long)Math.Round(value, MidpointRounding.AwayFromZero);
}
