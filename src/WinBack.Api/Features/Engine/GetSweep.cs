using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Features.Engine;

public sealed class GetSweepRequest
{
    /// <summary>The sweep's id (<c>swp_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";
}

public sealed class GetSweepEndpoint(IDocumentStore store) : Endpoint<GetSweepRequest, SweepJobView>
{
    public override void Configure()
    {
        Get("/sweeps/{id}");
        Roles(ApiScopes.Admin);
        Tags("Sweeps");
        Summary(s =>
        {
            s.Summary = "Get a sweep";
            s.Description = "The sweep's status and its counts so far (updated after every batch of 500 customers): customers " +
                            "examined, lapse episodes opened, rewards issued, and rewards withheld by reason.";
            s.Responses[200] = "The sweep.";
            s.ResponseExamples[200] = SweepJobView.Example;
        });
    }

    public override async Task HandleAsync(GetSweepRequest request, CancellationToken ct)
    {
        // A sweep job is its tenant's document; another tenant's is as missing as one that does not exist.
        var tenantId = HttpContext.Caller().RequireTenant();
        await using var session = store.QuerySession(tenantId);
        var job = await session.LoadAsync<SweepJob>(request.Id, ct);
        if (job is null || job.TenantId != tenantId)
            throw ApiException.NotFound("sweep", request.Id);
        await Send.OkAsync(SweepJobView.Of(job), ct);
    }
}
