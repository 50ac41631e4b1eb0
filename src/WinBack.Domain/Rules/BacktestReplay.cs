using System.Runtime.InteropServices;
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
/// have spent them. A crossing is decided, and its reward dated, at the engine's first sweep tick from it on (as the live engine
/// issues it; a customer already past the window at <c>from</c> at the first tick from <c>from</c>, as when a rule is activated).
/// The holdout is not applied (a backtest asks what the rule would have given).
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
    private readonly TimeSpan _sweepInterval;
    private readonly TriggerContext _context;
    private readonly bool _moment;
    private readonly Dictionary<string, Replayed> _customers = [];
    // Due crossings by time, then customer id. A customer rescheduled leaves its old entry behind (a heap has no cheap removal): an
    // entry whose stamp is not its customer's current one is skipped, and the heap is rebuilt once such entries outnumber the
    // live ones, so it stays bounded by the customers.
    private readonly PriorityQueue<(Replayed Customer, int Stamp), (DateTimeOffset At, string CustomerId)> _due = new(DueOrder.Instance);
    private int _scheduled;
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
    /// <param name="sweepInterval">The engine's sweep interval: a crossing is decided at the first sweep tick from it on (<see cref="SweepTicks"/>).</param>
    public BacktestReplay(string tenantId, string ruleId, RuleDefinition definition, DateTimeOffset from, DateTimeOffset to, TriggerContext context,
        TimeSpan sweepInterval)
    {
        if (from > to)
            throw new ArgumentException("The period's start comes after its end.", nameof(from));
        if (sweepInterval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(sweepInterval), "The sweep interval must be positive.");
        _sweepInterval = sweepInterval;
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
        TriggerContext context, TimeSpan sweepInterval, IEnumerable<ICustomerEvent> events)
    {
        var replay = new BacktestReplay(tenantId, ruleId, definition, from, to, context, sweepInterval);
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
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_customers, e.CustomerId, out _);
        var replayed = slot ??= new Replayed(e.CustomerId);
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
        Schedule(replayed);
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
        while (_due.TryPeek(out var entry, out var due) && due.At <= bound)
        {
            _due.Dequeue();
            var replayed = entry.Customer;
            if (entry.Stamp != replayed.Stamp)
                continue; // rescheduled since
            Unschedule(replayed);
            _now = Max(_now, due.At);
            if (Decide(replayed.Id, replayed, due.At))
                Schedule(replayed);
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
        // Only the hot state is kept, after each event: the simulated history would grow with every reward, and an event that
        // changes only the history (a withheld reward marks its episode) then costs nothing.
        foreach (var e in decided)
            replayed.State = Customer.Evolve(replayed.State, e).WithoutHistory();
        // A signal's re-arm alone reaches nobody; the customer's next step is scheduled.
        if (!decided.Any(e => e is MomentReached or CustomerLapsed))
            return true;
        _reached++;
        RewardIssued? issued = null;
        foreach (var e in decided)
            if (e is RewardIssued i)
                issued = i;
            else if (e is RewardWithheld withheld)
                _withheld[withheld.Reason] = _withheld.GetValueOrDefault(withheld.Reason) + 1;
        var credit = issued is { Amount: { } amount, Currency: { } currency } ? new Money(amount, currency) : null;
        _tally.Add(now, issued is not null, credit);
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

    // The customer's next crossing of the rule's trigger, decided as the engine would: at the first sweep tick from the crossing on,
    // once the rule is active (from: a customer already past the window then is decided at its first tick), and after the replay's
    // time (the ticks up to it have run). Nothing after the period.
    private void Schedule(Replayed replayed)
    {
        DateTimeOffset? next = null;
        if (replayed.State is { } customer && NextCrossing(customer, replayed) is { } crossing && crossing <= _to
            && SweepTicks.AtOrAfter(Max(Max(crossing, _from), _now.AddTicks(1)), _sweepInterval) is var at && at <= _to)
            next = at;
        if (next is { } same && replayed.ScheduledAt is { } scheduled && same.EqualsExact(scheduled))
            return;
        Unschedule(replayed);
        if (next is not { } due)
            return;
        replayed.ScheduledAt = due;
        _scheduled++;
        _due.Enqueue((replayed, replayed.Stamp), (due, replayed.Id));
        if (_due.Count > 2 * _scheduled + 4096)
            Compact();
    }

    // The customer's entry, if any, is no longer theirs.
    private void Unschedule(Replayed replayed)
    {
        if (replayed.ScheduledAt is null)
            return;
        replayed.ScheduledAt = null;
        replayed.Stamp++;
        _scheduled--;
    }

    // Only the live entries, so that the heap stays bounded by the customers.
    private void Compact()
    {
        _due.Clear();
        foreach (var replayed in _customers.Values)
            if (replayed.ScheduledAt is { } at)
                _due.Enqueue((replayed, replayed.Stamp), (at, replayed.Id));
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

    private sealed class DueOrder : IComparer<(DateTimeOffset At, string CustomerId)>
    {
        public static readonly DueOrder Instance = new();

        public int Compare((DateTimeOffset At, string CustomerId) a, (DateTimeOffset At, string CustomerId) b) =>
            a.At != b.At ? a.At.CompareTo(b.At) : string.CompareOrdinal(a.CustomerId, b.CustomerId);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

    private sealed class Replayed(string id)
    {
        public readonly string Id = id;
        public Customer? State;
        public DateTimeOffset? ScheduledAt;
        // Which of the customer's entries in the due heap is theirs.
        public int Stamp;
        public int? Days;
        // Rewards whose attribution window is still open: what the customer does in it is their outcome.
        public readonly List<Reach> Open = [];

        public void Observe(ActivityRecorded activity)
        {
            if (Open.Count == 0)
                return;
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
            if (ActivityRecorded.IsRevenue(activity.Type) && activity.Amount is { } amount)
                BacktestTally.AddTo(Revenue, amount.Currency, activity.Type == ActivityType.Refund ? Money.Negate(amount.Amount) : amount.Amount);
        }
    }
}
