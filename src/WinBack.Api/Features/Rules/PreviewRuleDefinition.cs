using WinBack.Domain.Rules;
using WinBack.Api.Features.Risk;
using WinBack.Api.Features.TestClocks;
using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Rules;

public sealed class PreviewRuleDefinitionRequest : RuleFields
{
    /// <summary>Measure the windows to this moment instead of now (RFC 3339). Customer data is today's.</summary>
    [QueryParam]
    public DateTimeOffset? AsOf { get; set; }
}

public sealed class PreviewRuleDefinitionValidator : Validator<PreviewRuleDefinitionRequest>
{
    public PreviewRuleDefinitionValidator()
    {
        RuleFor(x => x.AsOf).WithinDateRange();
        Include(new RuleFieldsValidator());
    }
}

public sealed class PreviewRuleDefinitionEndpoint(IQuerySession session, TenantClock clock, RiskCrossings crossings)
    : Endpoint<PreviewRuleDefinitionRequest, RulePreviewView>
{
    /// <summary>An inline definition is assigned to variants as a rule with this id would be.</summary>
    public const string InlineRuleId = "rule_preview";

    public override void Configure()
    {
        Post("/rules/preview");
        Roles(ApiScopes.Admin);
        Tags("Rules");
        Summary(s =>
        {
            s.Summary = "Preview a definition";
            s.Description = "Like previewing a rule, for a definition that is not saved: try settings before creating the rule. " +
                            "The body is a rule definition, validated as on create. Variant assignment differs from the saved rule's, " +
                            "because it hashes the rule id, so per-variant counts may differ slightly once the rule exists.";
            RuleExamples.AddExamples(s, () => new PreviewRuleDefinitionRequest());
            s.Responses[200] = "The preview.";
            s.ResponseExamples[200] = RulePreviewView.Example with { RuleId = null, RuleVersion = null };
        });
    }

    public override async Task HandleAsync(PreviewRuleDefinitionRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var definition = request.ToDefinition();
        var context = await crossings.ContextAsync(tenantId, ct);
        // A threshold no saved rule uses has no crossings stored yet.
        if (definition.Trigger is { Type: TriggerType.AtRisk, PAliveBelow: { } threshold } && context.RiskModel is not null)
            await crossings.RecomputeAsync(tenantId, threshold, ct);
        var result = await RulePreviewQuery.RunAsync(session, tenantId, InlineRuleId, definition, request.AsOf ?? await clock.NowAsync(tenantId, ct), context,
            activeSince: null, ct);
        await Send.OkAsync(RulePreviewView.Of(result, null, null) with { WaitingFor = context.WaitingFor(definition.Trigger) }, ct);
    }
}
