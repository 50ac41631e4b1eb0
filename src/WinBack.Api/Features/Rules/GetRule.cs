using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Features.Rules;

public sealed class GetRuleRequest
{
    /// <summary>The rule's id (<c>rule_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";
}

public sealed class GetRuleEndpoint(IQuerySession session) : Endpoint<GetRuleRequest, RuleView>
{
    public override void Configure()
    {
        Get("/rules/{id}");
        Roles(ApiScopes.Admin);
        Tags("Rules");
        Summary(s =>
        {
            s.Summary = "Get a rule";
            s.Description = "The current version of the rule. The ETag header carries the version to send in If-Match when revising.";
            s.Responses[200] = "The rule.";
            s.ResponseExamples[200] = RuleView.Example;
        });
    }

    public override async Task HandleAsync(GetRuleRequest request, CancellationToken ct)
    {
        var rule = await session.LoadAsync<RuleSummary>(request.Id, ct) ?? throw ApiException.NotFound("rule", request.Id);
        await Send.RuleAsync(rule.State, StatusCodes.Status200OK, ct);
    }
}
