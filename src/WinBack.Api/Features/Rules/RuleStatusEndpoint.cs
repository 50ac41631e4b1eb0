using FastEndpoints;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

public sealed class ChangeRuleStatusRequest
{
    /// <summary>The rule's id (<c>rule_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";
}

/// <summary>What activate, pause and archive share: a POST without a body that applies one status decision.</summary>
/// <remarks>Status changes are dated by the tenant's clock (a test clock's time), as the engine reads them: a moment rule fires moments from its activation on.</remarks>
public abstract class RuleStatusEndpoint(RuleWriter writer, TenantClock clock) : Endpoint<ChangeRuleStatusRequest, RuleView>
{
    protected abstract string Verb { get; }
    protected abstract IReadOnlyList<IRuleEvent> Decide(Rule rule, string by, DateTimeOffset now);

    protected void Configure(string summary, string description, IReadOnlyDictionary<int, (string Description, ApiProblem Example)> conflicts)
    {
        Post($"/rules/{{id}}/{Verb}");
        Roles(ApiScopes.Admin);
        Tags("Rules");
        Summary(s =>
        {
            s.Summary = summary;
            s.Description = description + " Asking for the status the rule already has changes nothing and returns the rule.";
            s.Responses[200] = "The rule with its new status.";
            s.ResponseExamples[200] = RuleView.Example;
            foreach (var (status, (text, example)) in conflicts)
            {
                s.Responses[status] = text;
                s.ResponseExamples[status] = example;
            }
        });
    }

    public override async Task HandleAsync(ChangeRuleStatusRequest request, CancellationToken ct)
    {
        var caller = HttpContext.Caller();
        var now = await clock.NowAsync(caller.RequireTenant(), ct);
        var rule = await writer.ChangeAsync(request.Id, current => Decide(current, caller.KeyId, now), ct);
        await Send.RuleAsync(rule, StatusCodes.Status200OK, ct);
    }
}
