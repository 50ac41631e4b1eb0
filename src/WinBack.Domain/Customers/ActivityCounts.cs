namespace WinBack.Domain.Customers;

/// <summary>The names signal rules give activity kinds: the type in snake_case ("login", "payment_failed"), or "custom:NAME".</summary>
public static class ActivityKinds
{
    public const string CustomPrefix = "custom:";

    public static string Of(ActivityType type, string? name) => type switch
    {
        ActivityType.Custom => CustomPrefix + name,
        ActivityType.Purchase => "purchase",
        ActivityType.Login => "login",
        ActivityType.SubscriptionStarted => "subscription_started",
        ActivityType.SubscriptionCancelled => "subscription_cancelled",
        ActivityType.Refund => "refund",
        ActivityType.PaymentFailed => "payment_failed",
        _ => type.ToString(),
    };

    /// <summary>Whether a rule may name <paramref name="kind"/>: a built-in type other than custom, or custom: with a name of 1-100 characters.</summary>
    public static bool IsValid(string? kind) => kind is not null &&
        (kind.StartsWith(CustomPrefix, StringComparison.Ordinal)
            ? kind.Length > CustomPrefix.Length && kind.Length <= CustomPrefix.Length + 100
            : Enum.GetValues<ActivityType>().Any(t => t != ActivityType.Custom && Of(t, null) == kind));

    public const string Rule = "an activity type in snake_case (login, purchase, payment_failed, ...) or custom:NAME";
}

/// <summary>
/// One activity kind's counts per local day (days as <see cref="DateOnly.DayNumber"/>), ascending; parallel arrays keep the stored
/// state small. Bounded: only the <see cref="ActivityCounts.KeptDays"/> days up to the customer's latest counted day are kept.
/// </summary>
public sealed record DailyCounts(int[] Days, int[] Counts);

/// <summary>
/// The per-customer state signal triggers read: activity counts per day in the tenant's time zone (an activity counts at the start
/// of its local day). Bounded in both directions: at most <see cref="KeptDays"/> days (recentDays + baselineDays is at most that) per
/// kind, and at most <see cref="MaxKinds"/> kinds; past that, the kind least recently seen is dropped, so a customer with more
/// than 12 kinds of activity keeps counts for the 12 used last.
/// </summary>
/// <param name="CompleteFrom">The first day whose counts are complete: days before it were dropped (null while none was).</param>
public sealed record ActivityCounts(IReadOnlyDictionary<string, DailyCounts> ByKind, int? CompleteFrom)
{
    public const int KeptDays = 730;
    public const int MaxKinds = 12;

    public static readonly ActivityCounts None = new(new Dictionary<string, DailyCounts>(), null);

    public int? LatestDay => ByKind.Count == 0 ? null : ByKind.Values.Max(c => c.Days[^1]);

    /// <summary>The local day (its day number) of an instant in <paramref name="zone"/>.</summary>
    public static int DayOf(DateTimeOffset at, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime).DayNumber;

    /// <summary>The counts after one activity of <paramref name="kind"/> at <paramref name="at"/>.</summary>
    public ActivityCounts Add(string kind, DateTimeOffset at, TimeZoneInfo zone)
    {
        var day = DayOf(at, zone);
        var latest = Math.Max(LatestDay ?? day, day);
        var floor = latest - KeptDays + 1;
        // Too old to keep: its days are already dropped (or would be at once).
        if (day < floor)
            return this with { CompleteFrom = Math.Max(CompleteFrom ?? floor, floor) };
        var byKind = new Dictionary<string, DailyCounts>(ByKind) { [kind] = Added(ByKind.GetValueOrDefault(kind), day) };
        var dropped = false;
        foreach (var (name, counts) in byKind.ToList())
        {
            if (counts.Days[0] >= floor)
                continue;
            dropped = true;
            var keep = Array.FindIndex(counts.Days, d => d >= floor);
            if (keep < 0)
                byKind.Remove(name);
            else
                byKind[name] = new DailyCounts(counts.Days[keep..], counts.Counts[keep..]);
        }
        if (byKind.Count > MaxKinds)
            byKind.Remove(byKind.Where(k => k.Key != kind).MinBy(k => k.Value.Days[^1]).Key);
        return new ActivityCounts(byKind, dropped ? Math.Max(CompleteFrom ?? floor, floor) : CompleteFrom);
    }

    /// <summary>The summed counts of <paramref name="kinds"/> per day, densely from the first day counted (<see cref="DaySeries"/>).</summary>
    public DaySeries Series(IEnumerable<string> kinds)
    {
        var named = kinds.Distinct().Select(k => ByKind.GetValueOrDefault(k)).OfType<DailyCounts>().ToList();
        if (named.Count == 0)
            return new DaySeries(0, [], CompleteFrom);
        var first = named.Min(c => c.Days[0]);
        var last = named.Max(c => c.Days[^1]);
        var prefix = new long[last - first + 2];
        foreach (var counts in named)
            for (var i = 0; i < counts.Days.Length; i++)
                prefix[counts.Days[i] - first + 1] += counts.Counts[i];
        for (var i = 1; i < prefix.Length; i++)
            prefix[i] += prefix[i - 1];
        return new DaySeries(first, prefix, CompleteFrom);
    }

    private static DailyCounts Added(DailyCounts? counts, int day)
    {
        if (counts is null)
            return new DailyCounts([day], [1]);
        var at = Array.BinarySearch(counts.Days, day);
        if (at >= 0)
        {
            var more = (int[])counts.Counts.Clone();
            more[at]++;
            return counts with { Counts = more };
        }
        var index = ~at;
        return new DailyCounts([.. counts.Days[..index], day, .. counts.Days[index..]], [.. counts.Counts[..index], 1, .. counts.Counts[index..]]);
    }
}

/// <summary>Counts per day as prefix sums: <see cref="Sum"/> of any range of days is one subtraction. Days outside the counted ones count 0.</summary>
public sealed record DaySeries(int First, long[] Prefix, int? CompleteFrom)
{
    public bool IsEmpty => Prefix.Length == 0;
    public int Last => First + Prefix.Length - 2;

    /// <summary>The activities on days <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public long Sum(int from, int to)
    {
        if (IsEmpty)
            return 0;
        var a = Math.Max(from, First);
        var b = Math.Min(to, Last);
        return a > b ? 0 : Prefix[b - First + 1] - Prefix[a - First];
    }
}
