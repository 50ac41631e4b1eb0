using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

public sealed class ListRulesRequest : PageRequest
{
    /// <summary>Only rules with this status.</summary>
    [QueryParam]
    public RuleStatus? Status { get; set; }
}

public sealed class ListRulesValidator : Validator<ListRulesRequest>
{
    public ListRulesValidator() => this.AddPagingRules("rule");
}

public sealed class ListRulesEndpoint(IQuerySession session) : Endpoint<ListRulesRequest, Page<RuleView>>
{
    public override void Configure()
    {
        Get("/rules");
        Roles(ApiScopes.Admin);
        Tags("Rules");
        Summary(s =>
        {
            s.Summary = "List rules";
            s.Description = "Newest first; page with limit and startingAfter (the last id of the previous page). Each rule with a budget shows " +
                            "what it has spent against it (budget). Example: /v1/rules?status=active";
            s.Responses[200] = "A page of rules.";
            s.ResponseExamples[200] = new Page<RuleView>([RuleView.Example], HasMore: false);
        });
    }

    public override async Task HandleAsync(ListRulesRequest request, CancellationToken ct)
    {
        IQueryable<RuleSummary> query = session.Query<RuleSummary>();
        if (request.Status is { } status)
            query = query.Where(r => r.State.Status == status);
        var page = await query.PageAsync(request, ct);
        var context = await RuleResponses.ContextForAsync(HttpContext, page.Data.Select(r => r.State), ct);
        var budgets = await RuleResponses.BudgetsAsync(HttpContext, page.Data.Select(r => r.State).ToList(), ct);
        await Send.OkAsync(new Page<RuleView>(page.Data.Select(r => RuleView.Of(r.State, context.WaitingFor(r.State.Definition.Trigger),
                budgets.GetValueOrDefault(r.State.Id))).ToList(),
            page.HasMore), ct);
    }
}
