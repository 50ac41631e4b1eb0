using FastEndpoints;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Features.Risk;

public sealed class GetRiskModelEndpoint(RiskModels models) : EndpointWithoutRequest<RiskModelView>
{
    public override void Configure()
    {
        Get("/risk-model");
        Roles(ApiScopes.Admin);
        Tags("Risk model");
        Summary(s =>
        {
            s.Summary = "Get the purchase model";
            s.Description = "Your tenant's BG/NBD purchase model: the outcome of the latest fit and the model in force (parameters with " +
                            "alpha in days, log-likelihood, customers, repeat buyers, iterations, and a calibration table of actual " +
                            "against predicted customers per number of repeat purchases). The worker refits weekly, and on " +
                            "POST /v1/risk-model/refit. 404 before the first fit.";
            s.Responses[200] = "The model.";
            s.ResponseExamples[200] = RiskModelView.Example;
            s.Responses[404] = "No fit has run yet for your tenant.";
            s.ResponseExamples[404] = NoModel;
        });
    }

    private static readonly ApiProblem NoModel = ApiProblem.Of(StatusCodes.Status404NotFound, ErrorCodes.ResourceMissing, "Not found",
        "Your tenant has no purchase model yet: POST /v1/risk-model/refit fits one.");

    public override async Task HandleAsync(CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var model = await models.CurrentAsync(tenantId, ct) ?? throw new ApiException(NoModel);
        await Send.OkAsync(RiskModelView.Of(model), ct);
    }
}
