using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Domain.Rules;

/// <summary>Lapsed customers a rule would not reward, by the first reason that stops them.</summary>
public sealed record PreviewExclusions(
    int HigherPriorityRule, int LifetimeValue, int OrderCount, int ChurnReason, int Attributes,
    int Cooldown, int MaxRewardsPerCustomer, int Budget, int CustomerAge = 0);

/// <param name="Customers">Eligible customers assigned to the arm.</param>
/// <param name="Rewarded">Of those, the ones that would get the reward after cooldown, cap and budget.</param>
/// <param name="Cost">Account credit those rewards would issue; null for rewards without a money value.</param>
public sealed record ArmPreview(string Name, int Customers, int Rewarded, Money? Cost);

/// <param name="Spent">Credit the rule has issued so far (today's part counts against the daily budget).</param>
/// <param name="Needed">Credit all eligible, non-held-out customers would get without a budget.</param>
/// <param name="RunsOut">True when the budget cannot cover them all; <see cref="PreviewExclusions.Budget"/> says how many miss out.</param>
public sealed record BudgetPreview(Money? Total, Money? Daily, Money Spent, Money SpentToday, Money Needed, bool RunsOut);

/// <summary>A lapsed customer the preview names: who, when they crossed, and the window they crossed.</summary>
public sealed record CaughtCustomer(string CustomerId, DateTimeOffset CrossedAt, LapseWindow? Window);

/// <param name="Personal">Lapsed customers whose window is their own (personal windows).</param>
/// <param name="Rule">Lapsed customers on the rule's (or their variant's) days.</param>
public sealed record PreviewWindows(int Personal, int Rule);

/// <param name="Caught">The first lapsed customers by crossing time, up to <see cref="RulePreview.CaughtShown"/>.</param>
public sealed record RulePreviewResult(
    DateTimeOffset AsOf, int Lapsed, int Eligible, PreviewExclusions Excluded, int Holdout,
    IReadOnlyList<ArmPreview> Variants, int Rewarded, IReadOnlyList<Money> Cost, BudgetPreview? Budget,
    PreviewWindows? Windows = null, IReadOnlyList<CaughtCustomer>? Caught = null);

/// <summary>
/// What a rule would do at <c>asOf</c> to a set of customers, without doing it. Pure. Customers are fed one at a
/// time (<see cref="Add"/>), so a large tenant is streamed rather than held in memory.
/// </summary>
/// <param name="higherPriorityRules">Active rules tried before this one; a customer eligible there is theirs.</param>
/// <param name="spent">Credit the rule has issued so far; <paramref name="spentToday"/> of it on asOf's UTC day.</param>
/// <param name="context">The tenant's purchase model, for at-risk rules (none: nobody is at risk).</param>
public sealed class RulePreview(string tenantId, string ruleId, RuleDefinition rule,
    IReadOnlyList<(string Id, RuleDefinition Definition)> higherPriorityRules, DateTimeOffset asOf, Money? spent = null, Money? spentToday = null,
    TriggerContext? context = null)
{
    private readonly int[] _ineligible = new int[Enum.GetValues<Ineligibility>().Length];
    private readonly Dictionary<string, int> _assigned = rule.Arms.ToDictionary(a => a.Name, _ => 0);
    private readonly List<(DateTimeOffset Crossing, Variant Arm)> _queue = [];
    private readonly List<CaughtCustomer> _caught = [];
    private readonly bool _moment = Moments.IsMoment(rule.Trigger.Type);
    private int _lapsed, _higherPriority, _holdout, _cooldown, _cap, _personal;

    /// <summary>How many lapsed customers the preview names.</summary>
    public const int CaughtShown = 20;

    /// <summary>A moment rule that is not active previews the moments of these last days, as if it had been active since.</summary>
    public const int MomentLookbackDays = 30;

    public static RulePreviewResult Run(string tenantId, string ruleId, RuleDefinition rule, IEnumerable<Customer> customers,
        IReadOnlyList<(string Id, RuleDefinition Definition)> higherPriorityRules, DateTimeOffset asOf, Money? spent = null, Money? spentToday = null,
        TriggerContext? context = null)
    {
        var preview = new RulePreview(tenantId, ruleId, rule, higherPriorityRules, asOf, spent, spentToday, context);
        foreach (var customer in customers)
            preview.Add(customer);
        return preview.Result();
    }

    /// <summary>Counts one customer; customers the trigger does not catch are skipped.</summary>
    public void Add(Customer customer)
    {
        // A lapsed customer is the engine's already; a moment comes to anyone.
        if (customer.Status == CustomerStatus.Lapsed && !_moment)
            return;
        var arm = ExperimentAssignment.ArmFor(tenantId, ruleId, customer.Id, rule);
        // A signal's next step may be a re-arm: the preview counts crossings.
        var crossing = Signals.IsSignal(rule.Trigger.Type) ? Signals.NextFire(rule.Trigger, customer, context ?? TriggerContext.None)
            : RuleAudience.CrossingAt(rule.Trigger, rule.TriggerDaysOf(arm), customer, context);
        if (crossing is not { } at || at > asOf)
            return;
        _lapsed++;
        Name(new CaughtCustomer(customer.Id, at, RuleAudience.WindowOf(rule.Trigger, rule.TriggerDaysOf(arm), customer)));
        // Moment rules do not compete with each other or with win-back rules.
        if (!_moment && higherPriorityRules.Any(r => !Moments.IsMoment(r.Definition.Trigger.Type) && IsEligible(tenantId, r.Id, r.Definition, customer, asOf, context)))
            _higherPriority++;
        else if (RuleAudience.Check(rule.Eligibility, customer, asOf) is { } reason)
            _ineligible[(int)reason]++;
        else if (arm is null)
            _holdout++;
        else
        {
            _assigned[arm.Name]++;
            if (rule.Limits.CooldownDays is { } days && customer.LastRewardedAt is { } last && last.AddDays(days) > asOf)
                _cooldown++;
            else if (rule.Limits.MaxRewardsPerCustomer is { } max && customer.RewardsByRule.GetValueOrDefault(ruleId) >= max)
                _cap++;
            else
                _queue.Add((at, arm));
        }
    }

    public RulePreviewResult Result()
    {
        // Customers who crossed first are served first, as a sweep would have served them.
        var budget = new BudgetMeter(rule.Limits, spent, spentToday);
        var rewarded = rule.Arms.ToDictionary(a => a.Name, _ => 0);
        var cost = new Dictionary<string, Money>();
        foreach (var (_, arm) in _queue.OrderBy(q => q.Crossing))
        {
            var credit = rule.RewardOf(arm).Credit;
            if (!budget.TrySpend(credit))
                continue;
            rewarded[arm.Name]++;
            if (credit is not null)
                cost[arm.Name] = cost.TryGetValue(arm.Name, out var sum) ? sum.Add(credit) : credit;
        }

        var arms = rule.Arms.Select(a => new ArmPreview(a.Name, _assigned[a.Name], rewarded[a.Name], cost.GetValueOrDefault(a.Name)
            ?? (rule.RewardOf(a).Credit is { } c ? new Money(0, c.Currency) : null))).ToList();
        var totalCost = arms.Select(a => a.Cost).OfType<Money>().GroupBy(m => m.Currency)
            .Select(g => g.Aggregate((x, y) => x.Add(y))).OrderBy(m => m.Currency).ToList();
        var eligible = _lapsed - _higherPriority - _ineligible.Sum();
        return new RulePreviewResult(asOf, _lapsed, eligible,
            new PreviewExclusions(_higherPriority, _ineligible[(int)Ineligibility.LifetimeValue], _ineligible[(int)Ineligibility.OrderCount],
                _ineligible[(int)Ineligibility.ChurnReason], _ineligible[(int)Ineligibility.Attributes], _cooldown, _cap, budget.Refused, _ineligible[(int)Ineligibility.CustomerAge]),
            _holdout, arms, rewarded.Values.Sum(), totalCost, budget.Preview(), 
            TriggerWindows.Of(rule.Trigger.Type)?.Crossing is null ? new PreviewWindows(_personal, _lapsed - _personal) : null, _caught);
    }

    // Keeps the earliest crossings only, so a large tenant is still streamed.
    private void Name(CaughtCustomer caught)
    {
        if (caught.Window?.Source == WindowSource.Personal)
            _personal++;
        var index = _caught.FindLastIndex(c => c.CrossedAt <= caught.CrossedAt) + 1;
        if (index >= CaughtShown)
            return;
        _caught.Insert(index, caught);
        if (_caught.Count > CaughtShown)
            _caught.RemoveAt(CaughtShown);
    }

    private static bool IsEligible(string tenantId, string ruleId, RuleDefinition rule, Customer customer, DateTimeOffset asOf, TriggerContext? context)
    {
        var arm = ExperimentAssignment.ArmFor(tenantId, ruleId, customer.Id, rule);
        return RuleAudience.HasLapsed(rule.Trigger, rule.TriggerDaysOf(arm), customer, asOf, context)
               && RuleAudience.Check(rule.Eligibility, customer, asOf) is null;
    }
}
