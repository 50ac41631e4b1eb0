using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Features.Rules;

public sealed class GetBacktestRequest
{
    /// <summary>The backtest's id (<c>bt_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";
}

public sealed class GetBacktestEndpoint(IDocumentStore store) : Endpoint<GetBacktestRequest, BacktestJobView>
{
    public override void Configure()
    {
        Get("/rules/backtests/{id}");
        Roles(ApiScopes.Admin);
        Tags("Rules");
        Summary(s =>
        {
            s.Summary = "Get a backtest";
            s.Description = "Whether the backtest is queued, running or done, and once it succeeded what the rule would have done " +
                            "(result, labelled observational: no holdout existed, so what customers did afterwards is not caused by the reward).";
            s.Responses[200] = "The backtest.";
            s.ResponseExamples[200] = BacktestJobView.Example;
        });
    }

    public override async Task HandleAsync(GetBacktestRequest request, CancellationToken ct)
    {
        // A backtest is its tenant's document; another tenant's is as missing as one that does not exist.
        var tenantId = HttpContext.Caller().RequireTenant();
        await using var session = store.QuerySession(tenantId);
        var job = await session.LoadAsync<BacktestJob>(request.Id, ct);
        if (job is null || job.TenantId != tenantId)
            throw ApiException.NotFound("backtest", request.Id);
        await Send.OkAsync(BacktestJobView.Of(job), ct);
    }
}
