using System.Globalization;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Domain.Rules;

/// <summary>What a backtest found in one day or ISO week (UTC, as budgets count days).</summary>
/// <param name="Period">The day (<c>2026-11-24</c>) or ISO week (<c>2026-W48</c>).</param>
/// <param name="Reached">Crossings or moments the rule would have acted on.</param>
/// <param name="Rewarded">Rewards it would have issued.</param>
/// <param name="Withheld">Rewards it would have withheld (any reason).</param>
/// <param name="Cost">Account credit it would have issued, in minor units per currency.</param>
public sealed record BacktestBucket(string Period, int Reached, int Rewarded, int Withheld, IReadOnlyDictionary<string, long> Cost);

/// <summary>A customer the rule would have rewarded, and what they actually did within the attribution window after it.</summary>
/// <param name="Returned">For win-back triggers: an activity of the trigger's return types came (the episode would have closed).
/// For moments: a purchase came.</param>
/// <param name="Revenue">Purchases less refunds within the window, in minor units per currency.</param>
public sealed record BacktestReach(string CustomerId, DateTimeOffset RewardedAt, bool Returned, bool Purchased, IReadOnlyDictionary<string, long> Revenue);

/// <summary>
/// What a rule would have done over a past period. Observational: no holdout existed, so what the customers did afterwards is
/// not caused by the reward (<see cref="Caveat"/>).
/// </summary>
/// <param name="Customers">The customers reached, by reward time, at most <see cref="BacktestReplay.ReachListLimit"/>; totals count all.</param>
public sealed record BacktestResult(
    long EventsRead, int CustomersSeen, int Reached, int Rewarded, IReadOnlyDictionary<WithheldReason, int> Withheld,
    IReadOnlyDictionary<string, long> Cost, IReadOnlyList<BacktestBucket> Days, IReadOnlyList<BacktestBucket> Weeks,
    int Returned, int Purchased, IReadOnlyDictionary<string, long> Revenue, IReadOnlyList<BacktestReach> Customers, bool CustomersTruncated)
{
    public const string Caveat =
        "Observational, not causal: no holdout existed, so what reached customers did afterwards may have happened without the reward.";
}

/// <summary>Counts per day and per ISO week as decisions come, in memory bounded by the days of the period.</summary>
internal sealed class BacktestTally
{
    private readonly SortedDictionary<string, Bucket> _days = new(StringComparer.Ordinal), _weeks = new(StringComparer.Ordinal);
    // Decisions come in time order: the current day's buckets are kept at hand, and the keys are formatted once a day.
    private DateOnly? _day;
    private Bucket _dayBucket = null!, _weekBucket = null!;

    public void Add(DateTimeOffset at, bool rewarded, Money? credit)
    {
        var utc = at.UtcDateTime;
        var day = DateOnly.FromDateTime(utc);
        if (day != _day)
        {
            _day = day;
            _dayBucket = Of(_days, utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            _weekBucket = Of(_weeks, $"{ISOWeek.GetYear(utc)}-W{ISOWeek.GetWeekOfYear(utc):00}");
        }
        _dayBucket.Add(rewarded, credit);
        _weekBucket.Add(rewarded, credit);
    }

    public IReadOnlyList<BacktestBucket> Days => _days.Select(d => d.Value.ToBucket(d.Key)).ToList();
    public IReadOnlyList<BacktestBucket> Weeks => _weeks.Select(d => d.Value.ToBucket(d.Key)).ToList();

    private static Bucket Of(SortedDictionary<string, Bucket> buckets, string key) =>
        buckets.TryGetValue(key, out var bucket) ? bucket : buckets[key] = new Bucket();

    private sealed class Bucket
    {
        private int _reached, _rewarded;
        private readonly Dictionary<string, long> _cost = [];

        public void Add(bool rewarded, Money? credit)
        {
            _reached++;
            if (!rewarded)
                return;
            _rewarded++;
            if (credit is not null)
                AddTo(_cost, credit.Currency, credit.Amount);
        }

        public BacktestBucket ToBucket(string period) => new(period, _reached, _rewarded, _reached - _rewarded, new Dictionary<string, long>(_cost));
    }

    public static void AddTo(Dictionary<string, long> totals, string currency, long amount) =>
        totals[currency] = Money.Sum(totals.GetValueOrDefault(currency), amount);
}
