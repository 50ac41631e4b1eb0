using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Rewards;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

/// <summary>What a rule would do at asOf, computed from today's customer data without writing anything.</summary>
/// <param name="RuleId">The previewed rule; null for an inline definition.</param>
/// <param name="RuleVersion">The previewed version; null for an inline definition.</param>
/// <param name="AsOf">The moment the windows are measured to.</param>
/// <param name="Lapsed">Customers whose trigger window has passed by asOf (customers already in a lapse episode are not counted).</param>
/// <param name="Eligible">Of those, the ones no higher-priority rule takes and who pass the eligibility filters.</param>
/// <param name="Excluded">Lapsed customers who would get nothing, by the first reason that stops them.</param>
/// <param name="Holdout">Eligible customers held out for the experiment's comparison group.</param>
/// <param name="Variants">Eligible, non-held-out customers per variant ("default" without an experiment).</param>
/// <param name="Rewarded">Rewards the rule would issue.</param>
/// <param name="Cost">Account credit those rewards would issue, per currency.</param>
/// <param name="Budget">How the rewards fit the budget; null for a rule without one.</param>
/// <param name="Windows">Lapsed customers by where their window came from: their own rhythm (personalWindow) or the rule's days; null for at_risk, whose crossing comes from the model.</param>
/// <param name="Caught">The first 20 lapsed customers by crossing time: who, when, and after which window.</param>
public sealed record RulePreviewView(
    string? RuleId, int? RuleVersion, DateTimeOffset AsOf, int Lapsed, int Eligible, PreviewExclusionsView Excluded, int Holdout,
    IReadOnlyList<VariantPreviewView> Variants, int Rewarded, IReadOnlyList<MoneyView> Cost, BudgetPreviewView? Budget,
    PreviewWindowsView? Windows, IReadOnlyList<CaughtCustomerView> Caught)
{
    /// <summary>What the rule waits for before it can catch anyone: risk_model (an at_risk rule, and the tenant has no fitted purchase model yet); null when nothing.</summary>
    /// <example>risk_model</example>
    public string? WaitingFor { get; init; }

    public static RulePreviewView Of(RulePreviewResult r, string? ruleId, int? version) => new(ruleId, version, r.AsOf, r.Lapsed,
        r.Eligible, PreviewExclusionsView.Of(r.Excluded), r.Holdout,
        r.Variants.Select(v => new VariantPreviewView(v.Name, v.Customers, v.Rewarded, MoneyView.Of(v.Cost))).ToList(),
        r.Rewarded, r.Cost.Select(m => MoneyView.Of(m)).ToList(),
        r.Budget is { } b ? new BudgetPreviewView(MoneyView.Of(b.Total), MoneyView.Of(b.Daily), MoneyView.Of(b.Spent), MoneyView.Of(b.SpentToday), MoneyView.Of(b.Needed), b.RunsOut) : null,
        r.Windows is { } w ? new PreviewWindowsView(w.Personal, w.Rule) : null,
        (r.Caught ?? []).Select(c => new CaughtCustomerView(c.CustomerId, c.CrossedAt, LapseWindowView.Of(c.Window))).ToList());

    public static readonly RulePreviewView Example = new("rule_01jdq3w5x8k2m9v4r7t6y1z0ae", 1, DateTimeOffset.Parse("2026-11-24T09:30:00Z"),
        1200, 800, new PreviewExclusionsView(50, 200, 100, 40, 10, 0, 0, 0), 80,
        [new VariantPreviewView("A", 360, 360, new MoneyView(360_000, "eur")), new VariantPreviewView("B", 360, 320, new MoneyView(640_000, "eur"))],
        680, [new MoneyView(1_000_000, "eur")],
        new BudgetPreviewView(new MoneyView(1_000_000, "eur"), null, new MoneyView(0, "eur"), new MoneyView(0, "eur"), new MoneyView(1_080_000, "eur"), true),
        new PreviewWindowsView(900, 300),
        [new CaughtCustomerView("cus_4711", DateTimeOffset.Parse("2026-10-02T11:00:00Z"), new LapseWindowView(17.5, WindowSource.Personal))]);
}

/// <param name="Personal">Lapsed customers whose window is their own: multiple × their median gap between purchases.</param>
/// <param name="Rule">Lapsed customers on the rule's days (or their variant's): no personal window, or too few purchases for one.</param>
public sealed record PreviewWindowsView(int Personal, int Rule);

/// <param name="CustomerId">The customer.</param>
/// <param name="CrossedAt">When they crossed their window (the lapse time a sweep would record).</param>
/// <param name="Window">The window they crossed; null for at_risk, whose crossing comes from the model.</param>
public sealed record CaughtCustomerView(string CustomerId, DateTimeOffset CrossedAt, LapseWindowView? Window);

/// <param name="HigherPriorityRule">Eligible under an active rule with a higher priority, which takes them.</param>
/// <param name="LifetimeValue">Lifetime value outside minLifetimeValue..maxLifetimeValue.</param>
/// <param name="OrderCount">Fewer orders than minOrderCount.</param>
/// <param name="ChurnReason">No cancellation with one of the listed churn reasons.</param>
/// <param name="Attributes">Attributes that do not match.</param>
/// <param name="Cooldown">Got a win-back reward within cooldownDays.</param>
/// <param name="MaxRewardsPerCustomer">Already got maxRewardsPerCustomer rewards from this rule.</param>
/// <param name="Budget">The budget (total or today's) would run out before their turn; the earliest lapses are served first.</param>
public sealed record PreviewExclusionsView(int HigherPriorityRule, int LifetimeValue, int OrderCount, int ChurnReason, int Attributes,
    int Cooldown, int MaxRewardsPerCustomer, int Budget)
{
    public static PreviewExclusionsView Of(PreviewExclusions e) => new(e.HigherPriorityRule, e.LifetimeValue, e.OrderCount,
        e.ChurnReason, e.Attributes, e.Cooldown, e.MaxRewardsPerCustomer, e.Budget);
}

/// <param name="Name">The variant ("default" for a rule without an experiment).</param>
/// <param name="Customers">Eligible customers assigned to it.</param>
/// <param name="Rewarded">Of those, the ones who would get its reward after cooldown, cap and budget.</param>
/// <param name="Cost">The account credit it would issue; null for rewards without a money value.</param>
public sealed record VariantPreviewView(string Name, int Customers, int Rewarded, MoneyView? Cost);

/// <param name="Total">The rule's total budget, if any.</param>
/// <param name="Daily">The rule's daily budget, if any.</param>
/// <param name="Spent">Credit the rule has issued so far (0 until the win-back engine issues rewards).</param>
/// <param name="SpentToday">Of that, credit issued on asOf's UTC day.</param>
/// <param name="Needed">Credit every eligible, non-held-out customer would get without a budget.</param>
/// <param name="RunsOut">True when the budget cannot cover them all; excluded.budget says how many miss out.</param>
public sealed record BudgetPreviewView(MoneyView? Total, MoneyView? Daily, MoneyView Spent, MoneyView SpentToday, MoneyView Needed, bool RunsOut);
