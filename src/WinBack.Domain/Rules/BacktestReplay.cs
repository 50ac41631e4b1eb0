using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Domain.Rules;

/// <summary>
/// Replays a tenant's customer events as if one rule had been active from <c>from</c> to <c>to</c>: what it would have given, when,
/// and what it would have withheld. Feed it the customer events in sequence order (<see cref="Apply"/>), then read <see cref="Result"/>.
/// Each customer is folded with the domain's own <see cref="Customer.Evolve(Customer?, object)"/> from their activities, profile and imports only; the
/// rewards and lapses the real engine recorded are skipped, and the rule's own are simulated in their place by the engine's deciders
/// (<see cref="LapseDecider"/>, <see cref="MomentDecider"/>, <see cref="LedgerDecider.Reactivation"/>), so crossings, moments,
/// eligibility, cooldown, caps and budgets are the engine's. Time is the events' recorded time: before an event is applied, every
/// crossing due by then fires, in time order across customers, so daily and total budgets are spent in the order the engine would
/// have spent them. The holdout is not applied (a backtest asks what the rule would have given).
/// Memory: one hot state, one schedule entry and the open attribution windows per customer, and one small record per reward
/// found (for the outcome totals); never the events.
/// </summary>
public sealed class BacktestReplay
{
    /// <summary>How many reached customers the result lists; its totals count all.</summary>
    public const int ReachListLimit = 1000;

    private readonly string _tenantId, _ruleId;
    private readonly RuleDefinition _definition;
    private readonly DateTimeOffset _from, _to;
    private readonly TriggerContext _context;
    private readonly bool _moment;
    private readonly Dictionary<string, Replayed> _customers = [];
    // Due crossings by time, one entry per customer at most: bounded by the customers.
    private readonly SortedSet<(DateTimeOffset At, string CustomerId)> _due = new(Comparer<(DateTimeOffset At, string CustomerId)>.Create(
        (a, b) => a.At != b.At ? a.At.CompareTo(b.At) : string.CompareOrdinal(a.CustomerId, b.CustomerId)));
    private readonly BacktestTally _tally = new();
    private readonly Dictionary<WithheldReason, int> _withheld = [];
    private readonly Dictionary<string, long> _cost = [];
    private readonly List<Reach> _reaches = [];
    private DateTimeOffset _now = DateTimeOffset.MinValue;
    private DateOnly _budgetDay;
    private Money? _spent;
    private ActiveRule? _active;
    private long _events, _sequence;
    private int _reached, _rewarded;

    /// <param name="ruleId">The rule's id (an inline definition's stand-in): variants are assigned by it, as the engine does.</param>
    /// <param name="context">The tenant's time zone and purchase model (at_risk), as the engine uses them today.</param>
    public BacktestReplay(string tenantId, string ruleId, RuleDefinition definition, DateTimeOffset from, DateTimeOffset to, TriggerContext context)
    {
        if (from > to)
            throw new ArgumentException("The period's start comes after its end.", nameof(from));
        _tenantId = tenantId;
        _ruleId = ruleId;
        // No holdout: every customer gets an arm.
        _definition = definition with { Experiment = definition.Experiment is { } e ? e with { HoldoutPercent = 0 } : null };
        _from = from;
        _to = to;
        _moment = Moments.IsMoment(definition.Trigger.Type);
        _context = context.ForRule(ruleId, _moment ? from : null);
    }

    /// <summary>Replays a whole sequence of events.</summary>
    public static BacktestResult Run(string tenantId, string ruleId, RuleDefinition definition, DateTimeOffset from, DateTimeOffset to,
        TriggerContext context, IEnumerable<ICustomerEvent> events)
    {
        var replay = new BacktestReplay(tenantId, ruleId, definition, from, to, context);
        foreach (var e in events)
            replay.Apply(e);
        return replay.Result();
    }

    /// <summary>The time an event was recorded at, or null for the engine's own events, which a backtest does not see.</summary>
    public static DateTimeOffset? RecordedAt(ICustomerEvent e) => e switch
    {
        ActivityRecorded a => a.RecordedAt,
        ProfileUpdated p => p.UpdatedAt,
        CustomerImported i => i.ImportedAt,
        _ => null,
    };

    /// <summary>Takes the next customer event in sequence order.</summary>
    public void Apply(ICustomerEvent e)
    {
        if (RecordedAt(e) is not { } recorded)
            return;
        _events++;
        FireDue(recorded);
        _now = Max(_now, recorded);
        var replayed = _customers.TryGetValue(e.CustomerId, out var known) ? known : _customers[e.CustomerId] = new Replayed();
        if (e is ActivityRecorded activity)
        {
            replayed.Observe(activity);
            // The engine closes a simulated episode as it closes a real one: the first return activity after the lapse.
            var reactivation = LedgerDecider.Reactivation(replayed.State, activity);
            replayed.State = Customer.Evolve(replayed.State, activity, _context.TimeZone);
            foreach (var reactivated in reactivation)
                replayed.State = Customer.Evolve(replayed.State, reactivated).WithoutHistory();
        }
        else
            replayed.State = Customer.Evolve(replayed.State, e, _context.TimeZone);
        Schedule(e.CustomerId, replayed);
    }

    /// <summary>Fires the crossings left up to the period's end and returns what the rule would have done.</summary>
    public BacktestResult Result()
    {
        FireDue(_to);
        var revenue = new Dictionary<string, long>();
        foreach (var reach in _reaches)
            foreach (var (currency, amount) in reach.Revenue)
                BacktestTally.AddTo(revenue, currency, amount);
        var listed = _reaches.OrderBy(r => r.At).ThenBy(r => r.CustomerId, StringComparer.Ordinal).Take(ReachListLimit)
            .Select(r => new BacktestReach(r.CustomerId, r.At, r.Returned, r.Purchased, new Dictionary<string, long>(r.Revenue))).ToList();
        return new BacktestResult(_events, _customers.Count, _reached, _rewarded, new Dictionary<WithheldReason, int>(_withheld),
            new Dictionary<string, long>(_cost), _tally.Days, _tally.Weeks, _reaches.Count(r => r.Returned), _reaches.Count(r => r.Purchased),
            revenue, listed, _reaches.Count > ReachListLimit);
    }

    // Every crossing due at or before 'until' (and within the period), earliest first; each decision may schedule the customer's next.
    private void FireDue(DateTimeOffset until)
    {
        var bound = Min(until, _to);
        while (_due.Count > 0 && _due.Min is var (at, customerId) && at <= bound)
        {
            _due.Remove(_due.Min);
            var replayed = _customers[customerId];
            replayed.ScheduledAt = null;
            _now = Max(_now, at);
            if (Decide(customerId, replayed, at))
                Schedule(customerId, replayed);
        }
    }

    // The engine's decision at 'now' for this rule alone, folded into the customer; false when it decided nothing.
    private bool Decide(string customerId, Replayed replayed, DateTimeOffset now)
    {
        var sequence = ++_sequence;
        var command = new DetectLapse(_tenantId, [ActiveRuleOn(now)], $"bt_epi_{sequence}", $"bt_rew_{sequence}", now, _context);
        var decided = LapseDecider.Decide(command, replayed.State);
        if (decided.Count == 0)
            return false;
        foreach (var e in decided)
            replayed.State = Customer.Evolve(replayed.State, e);
        // Only the hot state is kept: the simulated history would grow with every reward.
        replayed.State = replayed.State!.WithoutHistory();
        // A signal's re-arm alone reaches nobody; the customer's next step is scheduled.
        if (!decided.Any(e => e is MomentReached or CustomerLapsed))
            return true;
        _reached++;
        var issued = decided.OfType<RewardIssued>().FirstOrDefault();
        var credit = issued is { Amount: { } amount, Currency: { } currency } ? new Money(amount, currency) : null;
        _tally.Add(now, issued is not null, credit);
        if (decided.OfType<RewardWithheld>().FirstOrDefault() is { } withheld)
            _withheld[withheld.Reason] = _withheld.GetValueOrDefault(withheld.Reason) + 1;
        if (issued is null)
            return true;
        _rewarded++;
        if (credit is not null)
        {
            BacktestTally.AddTo(_cost, credit.Currency, credit.Amount);
            _spent = new Money(Money.Sum(_spent?.Amount ?? 0, credit.Amount), credit.Currency);
        }
        var reach = new Reach(customerId, now, now.AddDays(_definition.AttributionDays), _moment ? [ActivityType.Purchase] : LapseDecider.ReturnTypes(_definition.Trigger));
        _reaches.Add(reach);
        replayed.Open.Add(reach);
        return true;
    }

    // One meter per UTC day, as the engine's budgets count: the total spent so far, nothing yet today.
    private ActiveRule ActiveRuleOn(DateTimeOffset now)
    {
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        if (_active is null || day != _budgetDay)
        {
            _budgetDay = day;
            _active = new ActiveRule(_ruleId, 1, _definition, new BudgetMeter(_definition.Limits, _spent, null), _moment ? _from : null);
        }
        return _active;
    }

    // The customer's next crossing of the rule's trigger within the period, fired no earlier than the replay's time.
    private void Schedule(string customerId, Replayed replayed)
    {
        if (replayed.ScheduledAt is { } scheduled)
            _due.Remove((scheduled, customerId));
        replayed.ScheduledAt = null;
        if (replayed.State is not { } customer || NextCrossing(customer, replayed) is not { } crossing || crossing < _from || crossing > _to)
            return;
        var at = Max(crossing, _now);
        if (at > _to)
            return;
        replayed.ScheduledAt = at;
        _due.Add((at, customerId));
    }

    private DateTimeOffset? NextCrossing(Customer customer, Replayed replayed)
    {
        var window = TriggerWindows.Of(_definition.Trigger.Type);
        if (window is null || !window.Statuses.Contains(customer.Status) || (!_moment && customer.Episode is not null))
            return null;
        // The arm is a hash of the customer's id: computed once per customer.
        replayed.Days ??= _definition.TriggerDaysOf(ExperimentAssignment.ArmFor(_tenantId, _ruleId, customer.Id, _definition));
        return RuleAudience.CrossingAt(_definition.Trigger, replayed.Days.Value, customer, _context);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

    private sealed class Replayed
    {
        public Customer? State;
        public DateTimeOffset? ScheduledAt;
        public int? Days;
        // Rewards whose attribution window is still open: what the customer does in it is their outcome.
        public readonly List<Reach> Open = [];

        public void Observe(ActivityRecorded activity)
        {
            Open.RemoveAll(r => r.EndsAt < activity.RecordedAt && r.EndsAt < activity.OccurredAt);
            foreach (var reach in Open)
                reach.Observe(activity);
        }
    }

    private sealed class Reach(string customerId, DateTimeOffset at, DateTimeOffset endsAt, IReadOnlyList<ActivityType> returnTypes)
    {
        public string CustomerId => customerId;
        public DateTimeOffset At => at;
        public DateTimeOffset EndsAt => endsAt;
        public bool Returned { get; private set; }
        public bool Purchased { get; private set; }
        public Dictionary<string, long> Revenue { get; } = [];

        public void Observe(ActivityRecorded activity)
        {
            if (activity.OccurredAt < at || activity.OccurredAt > endsAt)
                return;
            Returned |= returnTypes.Contains(activity.Type);
            Purchased |= activity.Type == ActivityType.Purchase;
            if (activity is { Type: ActivityType.Purchase or ActivityType.Refund, Amount: { } amount })
                BacktestTally.AddTo(Revenue, amount.Currency, activity.Type == ActivityType.Refund ? Money.Negate(amount.Amount) : amount.Amount);
        }
    }
}
