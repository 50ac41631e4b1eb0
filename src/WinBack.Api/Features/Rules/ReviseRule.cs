using FastEndpoints;
using FluentValidation;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Rules;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Rules;

public sealed class ReviseRuleRequest : RuleFields
{
    /// <summary>The rule's id (<c>rule_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";

    /// <summary>Required: the version you edited, as the rule's ETag gave it ("3"). If the rule has changed since, the answer is 412.</summary>
    // Checked by the endpoint, which answers 428 (not 400) when it is missing; [Required] documents it as required.
    [FromHeader("If-Match", isRequired: false)]
    [System.ComponentModel.DataAnnotations.Required]
    public string? IfMatch { get; set; }
}

public sealed class ReviseRuleValidator : Validator<ReviseRuleRequest>
{
    public ReviseRuleValidator()
    {
        RuleFor(x => x.IfMatch).Must(v => RuleView.ParseETag(v) is not null, new SchemaFacts(Pattern: "^\\s*(W/)?(\"[0-9]+\"|[0-9]+)\\s*$"))
            .When(x => x.IfMatch is not null)
            .WithMessage("'If-Match' must be the rule's version as its ETag gives it, such as \"3\".");
        Include(new RuleFieldsValidator());
    }
}

public sealed class ReviseRuleEndpoint(RuleWriter writer, TimeProvider clock) : Endpoint<ReviseRuleRequest, RuleView>
{
    public override void Configure()
    {
        Put("/rules/{id}");
        Roles(ApiScopes.Admin);
        Tags("Rules");
        Summary(s =>
        {
            s.Summary = "Revise a rule";
            s.Description = "Replaces the definition with a new immutable version (the old one stays in /versions). Send the whole " +
                            "definition, and If-Match with the version you edited, so that you never overwrite a change you have not seen. " +
                            "An active rule keeps running with the new version; archived rules are read-only.";
            RuleExamples.AddExamples(s, () => new ReviseRuleRequest());
            s.Responses[200] = "The rule at its new version.";
            s.ResponseExamples[200] = RuleView.Example;
            s.Responses[409] = "The rule is archived (`rule_archived`), or it is active and the new version would overlap another active rule (`rule_overlap`).";
            s.ResponseExamples[409] = RuleView.ArchivedProblem("revised");
            s.Responses[412] = "The rule has a newer version than If-Match names (`version_mismatch`).";
            s.ResponseExamples[412] = ProblemMapping.FromException(RuleDecider.VersionMismatch(current: 3, expected: 2));
            s.Responses[428] = "If-Match is missing (`precondition_required`).";
            s.ResponseExamples[428] = MissingIfMatch;
        });
    }

    public override async Task HandleAsync(ReviseRuleRequest request, CancellationToken ct)
    {
        var expected = RuleView.ParseETag(request.IfMatch) ?? throw new ApiException(MissingIfMatch);
        var command = new ReviseRule(expected, request.ToDefinition(), HttpContext.Caller().KeyId, clock.GetUtcNow());
        var rule = await writer.ChangeAsync(request.Id, current => RuleDecider.Decide(command, current), ct);
        await Send.RuleAsync(rule, StatusCodes.Status200OK, ct);
    }

    private static readonly ApiProblem MissingIfMatch = ApiProblem.Of(StatusCodes.Status428PreconditionRequired,
        ErrorCodes.PreconditionRequired, "If-Match required",
        "Send If-Match with the version you edited (the rule's ETag, such as \"3\"), so that you never overwrite a change you have not seen.");
}
