using System.Text.Json.Serialization;
using FastEndpoints;
using Marten;
using WinBack.Api.Features.Rewards;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Features.Risk;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

/// <summary>A rule: its current version's definition, with defaults filled in, and its status.</summary>
public sealed class RuleView : RuleFields
{
    /// <summary>The rule's id.</summary>
    /// <example>rule_01jdq3w5x8k2m9v4r7t6y1z0ae</example>
    [JsonPropertyOrder(-3)]
    public string Id { get; init; } = "";
    /// <summary>The definition's version: 1 when created, +1 per revision. Send it back in If-Match to revise.</summary>
    /// <example>1</example>
    [JsonPropertyOrder(-2)]
    public int Version { get; init; }
    /// <summary>draft (not running), active (the sweep applies it), paused, or archived (read-only).</summary>
    /// <example>draft</example>
    [JsonPropertyOrder(-1)]
    public RuleStatus Status { get; init; }
    /// <summary>When the rule was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>When the definition or the status last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>When the rule was last activated; null while it never was.</summary>
    public DateTimeOffset? ActivatedAt { get; init; }
    /// <summary>What the rule waits for before it can catch anyone: risk_model when it is an at_risk rule and the tenant has no fitted purchase model in force (POST /v1/risk-model/refit); null when nothing.</summary>
    /// <example>risk_model</example>
    public string? WaitingFor { get; init; }
    /// <summary>What the rule has spent against its budget (account credit issued in the budget's currency, in total and on today's UTC day, by the tenant's clock); null when it has no budget.</summary>
    public RuleBudgetView? Budget { get; init; }

    public static RuleView Of(Rule rule, string? waitingFor = null, RuleBudgetView? budget = null)
    {
        var view = new RuleView
        {
            Id = rule.Id, Version = rule.Version, Status = rule.Status, CreatedAt = rule.CreatedAt, UpdatedAt = rule.UpdatedAt,
            ActivatedAt = rule.ActivatedAt, WaitingFor = waitingFor, Budget = budget,
        };
        view.CopyFrom(rule.Definition);
        return view;
    }

    public static RuleView Example => RuleExamples.View;

    /// <summary>The version in an If-Match value: "3", W/"3" or a bare 3; null when it is not one.</summary>
    public static int? ParseETag(string? value)
    {
        var text = value?.Trim();
        if (text is null) return null;
        if (text.StartsWith("W/", StringComparison.Ordinal)) text = text[2..];
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"') text = text[1..^1];
        return int.TryParse(text, System.Globalization.NumberStyles.None, null, out var version) && version > 0 ? version : null;
    }

    public static ApiProblem ArchivedProblem(string verb) => ProblemMapping.FromException(RuleDecider.Archived(verb));

    public static readonly ApiProblem OverlapProblem = ProblemMapping.FromException(
        RuleWriter.Overlap("rule_01jdq3w5x8k2m9v4r7t6y1z0ae", "rule_01jdq2a7c3e5g7j9k1m3n5p7qr", 10));
}

/// <summary>A rule's budget and its spend so far.</summary>
/// <param name="Total">The total budget; null when only a daily one is set.</param>
/// <param name="Daily">The budget per UTC day; null when only a total one is set.</param>
/// <param name="Spent">Account credit the rule has issued, all time.</param>
/// <param name="SpentToday">Account credit the rule has issued on today's UTC day.</param>
public sealed record RuleBudgetView(MoneyView? Total, MoneyView? Daily, MoneyView Spent, MoneyView SpentToday)
{
    public static RuleBudgetView? Of(Limits limits, (Money Total, Money Today)? spent) =>
        spent is not { } s ? null : new(MoneyView.Of(limits.TotalBudget), MoneyView.Of(limits.DailyBudget), MoneyView.Of(s.Total), MoneyView.Of(s.Today));
}

/// <summary>The example rule that the API reference shows (and that a test validates).</summary>
public static class RuleExamples
{
    public static readonly RuleDefinition Definition = new(
        "90-day win-back", 10,
        new Trigger(TriggerType.Inactivity, 90, [ActivityType.Purchase], new PersonalWindow(2.5, 3)),
        new Eligibility(new Money(5000, "eur"), null, 2, [ChurnReason.TooExpensive], new Dictionary<string, string> { ["channel"] = "web" }),
        Credit(1000),
        new Limits(new Money(1_000_000, "eur"), null, 1, 180),
        new Experiment(10, [new Variant("A", 50, null, null, null), new Variant("B", 50, Credit(2000), null, null)]),
        new Message("We miss you, {{customer.id}}", "Here is {{reward.amount}} until {{reward.expiresAt}}"),
        90);

    public static readonly RuleView View = RuleView.Of(new Rule
    {
        Id = "rule_01jdq3w5x8k2m9v4r7t6y1z0ae", Definition = Definition,
        CreatedAt = DateTimeOffset.Parse("2026-11-24T09:30:00Z"), UpdatedAt = DateTimeOffset.Parse("2026-11-24T09:30:00Z"),
    }, budget: RuleBudgetView.Of(Definition.Limits, (new Money(0, "eur"), new Money(0, "eur"))));

    /// <summary>An at_risk rule: customers whose P(alive) under the tenant's purchase model falls below 0.3, once per purchase cycle.</summary>
    public static readonly RuleDefinition AtRiskDefinition = new(
        "Slipping away", 20,
        new Trigger(TriggerType.AtRisk, 0, []) { PAliveBelow = 0.3 },
        new Eligibility(new Money(5000, "eur"), null, null, [], new Dictionary<string, string>()),
        Credit(500),
        new Limits(null, new Money(50_000, "eur"), null, 60),
        new Experiment(10, [new Variant("A", 1, null, null, null)]),
        new Message("Still with us, {{customer.id}}?", "Here is {{reward.amount}} for your next order, until {{reward.expiresAt}}"),
        60);

    /// <summary>One rule per trigger type besides inactivity and at_risk: its name, what it rewards, and its definition.</summary>
    public static readonly IReadOnlyList<(string Name, string Summary, RuleDefinition Definition)> MoreDefinitions =
    [
        ("cancellation", "14 days after a subscription was cancelled for being too expensive, while still cancelled",
            Moment("Come back", new Trigger(TriggerType.Cancellation, 14, [])) with
            {
                Eligibility = new Eligibility(null, null, null, [ChurnReason.TooExpensive], new Dictionary<string, string>()), Priority = 5,
            }),
        ("never_purchased", "30 days after first seen without a purchase",
            Moment("First order nudge", new Trigger(TriggerType.NeverPurchased, 30, [])) with { Priority = 1 }),
        ("welcome", "A welcome 0 days after first seen, for customers who came through a referral",
            Moment("Referral welcome", new Trigger(TriggerType.Welcome, 0, []), new Dictionary<string, string> { ["channel"] = "referral" })),
        ("nth_purchase", "When the customer's order count reaches 3",
            Moment("Third order", new Trigger(TriggerType.NthPurchase, 0, []) { Count = 3 })),
        ("lifetime_value_reached", "When the customer's lifetime value first reaches 500.00 EUR",
            Moment("500 EUR club", new Trigger(TriggerType.LifetimeValueReached, 0, []) { Amount = new Money(50_000, "eur") })),
        ("anniversary", "On the 1st, 2nd and 3rd anniversary of the first purchase",
            Moment("Anniversary", new Trigger(TriggerType.Anniversary, 0, []) { Years = [1, 2, 3], From = AnniversaryFrom.FirstPurchase })),
        ("birthday", "7 days before the profile's birthday, once a year, in the tenant's time zone",
            Moment("Birthday", new Trigger(TriggerType.Birthday, 0, []) { DaysBefore = 7 })),
        ("usage_decline", "When logins and viewed reports over 14 days fall below 40% of what the 56 days before predict (8 of them at least)",
            Moment("Usage is falling", new Trigger(TriggerType.UsageDecline, 0, [])
            {
                Activities = ["login", "custom:report_viewed"], RecentDays = 14, BaselineDays = 56, DropBelow = 0.4, RearmAbove = 0.8, MinBaseline = 8,
            })),
        ("contact_burst", "At the 5th support contact within 30 days",
            Moment("Many support contacts", new Trigger(TriggerType.ContactBurst, 0, []) { Activity = "custom:support_contact", Count = 5, WithinDays = 30 })),
        ("payment_failed", "At each failed payment of a customer with 500.00 EUR of lifetime value; recovered when they pay within 14 days",
            Moment("Payment failed", new Trigger(TriggerType.PaymentFailed, 0, [])) with
            {
                Eligibility = new Eligibility(new Money(50_000, "eur"), null, null, [], new Dictionary<string, string>()) { MinCustomerDays = 365 },
                AttributionDays = 14,
            }),
    ];

    // A rule with a holdout, so that its report has something to compare with.
    private static RuleDefinition Moment(string name, Trigger trigger, Dictionary<string, string>? attributes = null) => new(
        name, 0, trigger, new Eligibility(null, null, null, [], attributes ?? new Dictionary<string, string>()), Credit(500), Limits.None,
        new Experiment(10, [new Variant("A", 1, null, null, null)]),
        new Message("A gift for you, {{customer.id}}", "Here is {{reward.amount}} until {{reward.expiresAt}}"), 30);

    public static T Fill<T>(T request) where T : RuleFields => Fill(request, Definition);

    public static T Fill<T>(T request, RuleDefinition definition) where T : RuleFields
    {
        request.CopyFrom(definition);
        return request;
    }

    /// <summary>The request examples of an endpoint that takes a definition: one per trigger type.</summary>
    public static void AddExamples<T>(EndpointSummary summary, Func<T> request) where T : RuleFields
    {
        summary.RequestExamples.Add(new RequestExample(Fill(request()), "inactivity", "90 days without a purchase, with an A/B test and a holdout"));
        summary.RequestExamples.Add(new RequestExample(Fill(request(), AtRiskDefinition), "at_risk",
            "When the purchase model's P(alive) falls below 0.3 (needs a fitted model: GET /v1/risk-model)"));
        foreach (var (name, text, definition) in MoreDefinitions)
            summary.RequestExamples.Add(new RequestExample(Fill(request(), definition), name, text));
    }

    private static RewardSpec Credit(long amount) =>
        new(RewardType.AccountCredit, new Money(amount, "eur"), null, null, null, null, 30, RewardGrant.Immediate);
}

public static class RuleResponses
{
    /// <summary>Sends the rule with its version as the ETag, which a revision sends back in If-Match, and what it waits for.</summary>
    public static async Task RuleAsync(this IResponseSender send, Rule rule, int status, CancellationToken ct)
    {
        send.HttpContext.Response.Headers.ETag = $"\"{rule.Version}\"";
        var context = await ContextForAsync(send.HttpContext, [rule], ct);
        var budgets = await BudgetsAsync(send.HttpContext, [rule], ct);
        await send.HttpContext.Response.SendAsync(RuleView.Of(rule, context.WaitingFor(rule.Definition.Trigger), budgets.GetValueOrDefault(rule.Id)),
            status, cancellation: ct);
    }

    /// <summary>The budget and spend of each rule with a budget, by id, in one query for all of them.</summary>
    public static async Task<IReadOnlyDictionary<string, RuleBudgetView>> BudgetsAsync(HttpContext http, IReadOnlyList<Rule> rules, CancellationToken ct)
    {
        if (!rules.Any(r => r.Definition.Limits.BudgetCurrency() is not null))
            return new Dictionary<string, RuleBudgetView>();
        var tenantId = http.Caller().RequireTenant();
        var asOf = await http.RequestServices.GetRequiredService<TenantClock>().NowAsync(tenantId, ct);
        var spent = await RuleSpend.OfManyAsync(http.RequestServices.GetRequiredService<IDocumentStore>(), tenantId,
            rules.Select(r => (r.Id, r.Definition.Limits)).ToList(), asOf, ct);
        return rules.Where(r => spent.ContainsKey(r.Id)).ToDictionary(r => r.Id, r => RuleBudgetView.Of(r.Definition.Limits, spent[r.Id])!);
    }

    /// <summary>The tenant's trigger context for saying what rules wait for; read only when an at-risk rule is among them (only those can wait).</summary>
    public static async Task<TriggerContext> ContextForAsync(HttpContext http, IEnumerable<Rule> rules, CancellationToken ct) =>
        rules.Any(r => r.Definition.Trigger.Type == TriggerType.AtRisk)
            ? await http.RequestServices.GetRequiredService<RiskCrossings>().ContextAsync(http.Caller().RequireTenant(), ct)
            : TriggerContext.None;
}
