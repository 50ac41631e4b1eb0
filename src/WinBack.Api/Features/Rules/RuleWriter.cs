using JasperFx;
using Marten;
using WinBack.Api.Features.Risk;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Common;
using WinBack.Domain.Rules;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Features.Rules;

/// <summary>
/// The one way rule streams are written: load, decide, append, in one transaction. Changes to a tenant's rules
/// take turns on a transaction-scoped lock, so that two rules can never both become active past the overlap check.
/// </summary>
public sealed class RuleWriter(IDocumentStore store, RiskCrossings crossings, IHttpContextAccessor http)
{
    public const string OverlapCode = "rule_overlap";

    // A new rule is a draft, which no overlap check concerns, so creating one needs no lock.
    public async Task<Rule> CreateAsync(RuleCreated created, CancellationToken ct)
    {
        await using var session = store.LightweightSession(TenantId());
        session.Events.StartStream(created.RuleId, created);
        await session.SaveChangesAsync(ct);
        var rule = Rule.Evolve(null, created);
        await StoreCrossingsAsync(null, rule, ct);
        return rule;
    }

    /// <summary>Applies a decision to the current state of the rule; a decision with no events writes nothing.</summary>
    public async Task<Rule> ChangeAsync(string ruleId, Func<Rule, IReadOnlyList<IRuleEvent>> decide, CancellationToken ct)
    {
        await using var session = await OpenLockedAsync(ct);
        var stream = await session.Events.FetchForWriting<RuleSummary>(ruleId, ct);
        var current = stream.Aggregate?.State ?? throw ApiException.NotFound("rule", ruleId);
        var events = decide(current);
        if (events.Count == 0)
            return current;
        var next = events.Aggregate(current, (state, e) => Rule.Evolve(state, e));
        if (next.Status == RuleStatus.Active)
            await EnsureNoOverlapAsync(session, next, ct);
        stream.AppendMany(events.Cast<object>().ToArray());
        await session.SaveChangesAsync(ct);
        await StoreCrossingsAsync(current, next, ct);
        return next;
    }

    // An at-risk rule's threshold needs its crossings stored (a refit stores those of every threshold in use) once it is
    // created, activated or given a new threshold, so that the preview and the engine see its customers before the next refit.
    private async Task StoreCrossingsAsync(Rule? before, Rule rule, CancellationToken ct)
    {
        if (rule.Definition.Trigger is not { Type: TriggerType.AtRisk, PAliveBelow: { } threshold } || rule.Status == RuleStatus.Archived)
            return;
        if (before is null || before.Definition.Trigger.PAliveBelow != threshold || (before.Status != RuleStatus.Active && rule.Status == RuleStatus.Active))
            await crossings.RecomputeAsync(TenantId(), threshold, ct);
    }

    private async Task EnsureNoOverlapAsync(IDocumentSession session, Rule rule, CancellationToken ct)
    {
        var priority = rule.Definition.Priority;
        var rivals = await session.Query<RuleSummary>()
            .Where(r => r.State.Status == RuleStatus.Active && r.State.Definition.Priority == priority && r.Id != rule.Id)
            .ToListAsync(ct);
        if (rivals.FirstOrDefault(r => RuleOverlap.Overlaps(rule.Definition, r.State.Definition)) is { } rival)
            throw Overlap(rule.Id, rival.Id, priority);
    }

    public static DomainRuleViolated Overlap(string ruleId, string activeRuleId, int priority) => DomainRuleViolated.Conflict(OverlapCode,
        $"Rule {ruleId} cannot be active together with active rule {activeRuleId}: both have priority {priority} and a customer " +
        "could match both, so which one rewards them would be left to chance. Give one of them another priority, or make their " +
        "eligibility exclusive (different churn reasons, attribute values or lifetime value ranges).");

    private async Task<IDocumentSession> OpenLockedAsync(CancellationToken ct)
    {
        var tenantId = TenantId();
        var session = store.LightweightSession(tenantId);
        try
        {
            await session.BeginTransactionAsync(ct);
            await TransactionLocks.TakeAsync(session, [LockKeys.Rules(tenantId)], ct);
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    private string TenantId() => http.HttpContext!.Caller().RequireTenant();
}
