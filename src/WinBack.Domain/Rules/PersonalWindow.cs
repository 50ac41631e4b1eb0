using WinBack.Domain.Customers;

namespace WinBack.Domain.Rules;

/// <summary>Where a customer's lapse window came from: their own purchase rhythm, or the rule's days.</summary>
public enum WindowSource { Rule, Personal }

/// <summary>The window a customer lapses after, in fractional days, and where it came from.</summary>
public sealed record LapseWindow(double Days, WindowSource Source)
{
    public TimeSpan Length => TimeSpan.FromDays(Days);
}

/// <summary>
/// An inactivity window on the customer's own rhythm: <paramref name="Multiple"/> times the median gap between their
/// purchases, for customers with at least <paramref name="MinPurchases"/> known purchase times; others keep the rule's days.
/// </summary>
public sealed record PersonalWindow(double Multiple, int MinPurchases)
{
    public const double MaxMultiple = 100;
    public const int MinMinPurchases = 2;
    /// <summary>The median is over the latest purchase times the hot state keeps, so more cannot be asked for.</summary>
    public const int MaxMinPurchases = Customer.RecentPurchaseLimit;

    /// <summary>The personal window in days, or null when the customer falls back to the rule's days.</summary>
    public double? DaysFor(Customer customer) =>
        customer.RecentPurchases.Count >= MinPurchases && MedianGapDays(customer.RecentPurchases) is > 0 and var median
            ? Multiple * median
            : null;

    /// <summary>The median gap between consecutive purchase times (sorted, oldest first), in fractional days; 0 with fewer than two.</summary>
    public static double MedianGapDays(IReadOnlyList<DateTimeOffset> purchases)
    {
        if (purchases.Count < 2)
            return 0;
        var gaps = new double[purchases.Count - 1];
        for (var i = 1; i < purchases.Count; i++)
            gaps[i - 1] = (purchases[i] - purchases[i - 1]).TotalDays;
        Array.Sort(gaps);
        var mid = gaps.Length / 2;
        return gaps.Length % 2 == 1 ? gaps[mid] : (gaps[mid - 1] + gaps[mid]) / 2;
    }
}
