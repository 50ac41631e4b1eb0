using FastEndpoints;
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
public abstract class RuleStatusEndpoint(RuleWriter writer, TimeProvider clock) : Endpoint<ChangeRuleStatusRequest, RuleView>
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
        var by = HttpContext.Caller().KeyId;
        var rule = await writer.ChangeAsync(request.Id, current => Decide(current, by, clock.GetUtcNow()), ct);
        await Send.RuleAsync(rule, StatusCodes.Status200OK, ct);
    }
}
