using FastEndpoints;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

public sealed class CreateRuleRequest : RuleFields;

public sealed class CreateRuleValidator : Validator<CreateRuleRequest>
{
    public CreateRuleValidator() => Include(new RuleFieldsValidator());
}

public sealed class CreateRuleEndpoint(RuleWriter writer, Ids ids, TimeProvider clock) : Endpoint<CreateRuleRequest, RuleView>
{
    public override void Configure()
    {
        Post("/rules");
        Roles(ApiScopes.Admin);
        Tags("Rules");
        Summary(s =>
        {
            s.Summary = "Create a rule";
            s.Description = "Creates a draft at version 1. A draft does nothing until it is activated; preview it first to see whom " +
                            "it would reward and what it would cost. Only name, trigger and reward are required; leave out eligibility, " +
                            "limits, experiment and message for none.";
            RuleExamples.AddExamples(s, () => new CreateRuleRequest());
            s.Responses[201] = "The new draft rule. The ETag header carries its version.";
            s.ResponseExamples[201] = RuleExamples.View;
        });
    }

    public override async Task HandleAsync(CreateRuleRequest request, CancellationToken ct)
    {
        var created = RuleDecider.Decide(new CreateRule(ids.New("rule"), request.ToDefinition(), HttpContext.Caller().KeyId, clock.GetUtcNow()));
        var rule = await writer.CreateAsync(created, ct);
        await Send.RuleAsync(rule, StatusCodes.Status201Created, ct);
    }
}
