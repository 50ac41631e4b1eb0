using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Features.Risk;

public sealed class GetRiskRefitRequest
{
    /// <summary>The refit's id (<c>rfit_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";
}

public sealed class GetRiskRefitEndpoint(IDocumentStore store) : Endpoint<GetRiskRefitRequest, RiskRefitJobView>
{
    public override void Configure()
    {
        Get("/risk-model/refits/{id}");
        Roles(ApiScopes.Admin);
        Tags("Risk model");
        Summary(s =>
        {
            s.Summary = "Get a refit";
            s.Description = "Whether the refit is queued, running or done, and what the fit concluded (outcome).";
            s.Responses[200] = "The refit.";
            s.ResponseExamples[200] = RiskRefitJobView.Example;
        });
    }

    public override async Task HandleAsync(GetRiskRefitRequest request, CancellationToken ct)
    {
        // A refit job is its tenant's document; another tenant's is as missing as one that does not exist.
        var tenantId = HttpContext.Caller().RequireTenant();
        await using var session = store.QuerySession(tenantId);
        var job = await session.LoadAsync<RiskRefitJob>(request.Id, ct);
        if (job is null || job.TenantId != tenantId)
            throw ApiException.NotFound("refit", request.Id);
        await Send.OkAsync(RiskRefitJobView.Of(job), ct);
    }
}
