using WinBack.Api.Features.Risk;
using WinBack.Api.Features.TestClocks;
using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

public sealed class PreviewRuleRequest
{
    /// <summary>The rule's id (<c>rule_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";

    /// <summary>Measure the windows to this moment instead of now (RFC 3339), e.g. to see what next week's sweeps would find. Customer data is today's.</summary>
    [QueryParam]
    public DateTimeOffset? AsOf { get; set; }
}

public sealed class PreviewRuleValidator : Validator<PreviewRuleRequest>
{
    public PreviewRuleValidator() => RuleFor(x => x.AsOf).WithinDateRange();
}

public sealed class PreviewRuleEndpoint(IQuerySession session, TenantClock clock, RiskCrossings crossings) : Endpoint<PreviewRuleRequest, RulePreviewView>
{
    public override void Configure()
    {
        Post("/rules/{id}/preview");
        Roles(ApiScopes.Admin);
        Tags("Rules");
        Summary(s =>
        {
            s.Summary = "Preview a rule";
            s.Description = "What the rule's current version would do now (or at asOf), without writing anything: how many " +
                            "customers would lapse, how many are eligible and how many each guard rail excludes, the split by variant " +
                            "and holdout, the cost, and whether the budget runs out. Works in any status, so try a draft before " +
                            "activating it. Customers already in a lapse episode are not counted (by win-back rules; a moment comes to anyone). A moment rule counts the moments not yet fired since it was activated, or, when it is not active, those of the last 30 days. An at_risk rule on a tenant without a fitted " +
                            "purchase model catches nobody yet, and says so with waitingFor: risk_model.";
            s.Responses[200] = "The preview.";
            s.ResponseExamples[200] = RulePreviewView.Example;
        });
    }

    public override async Task HandleAsync(PreviewRuleRequest request, CancellationToken ct)
    {
        var rule = (await session.LoadAsync<RuleSummary>(request.Id, ct) ?? throw ApiException.NotFound("rule", request.Id)).State;
        var tenantId = HttpContext.Caller().RequireTenant();
        var context = await crossings.ContextAsync(tenantId, ct);
        var result = await RulePreviewQuery.RunAsync(session, tenantId, rule.Id, rule.Definition, request.AsOf ?? await clock.NowAsync(tenantId, ct), context,
            rule.Status == RuleStatus.Active ? rule.ActivatedAt : null, ct);
        await Send.OkAsync(RulePreviewView.Of(result, rule.Id, rule.Version) with { WaitingFor = context.WaitingFor(rule.Definition.Trigger) }, ct);
    }
}
