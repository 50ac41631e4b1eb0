using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Features.Imports;

public sealed class GetImportRequest
{
    /// <summary>The import job's id (imp_…).</summary>
    [RouteParam]
    public string Id { get; set; } = "";
}

public sealed class GetImportEndpoint(IQuerySession session) : Endpoint<GetImportRequest, ImportJobView>
{
    public override void Configure()
    {
        Get("/imports/{id}");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Customers");
        Summary(s =>
        {
            s.Summary = "Get an import job";
            s.Description = "Progress while queued or running (linesRead of totalLines, imported, rejected, linesPerSecond, secondsLeft, and runs: more " +
                            "than 1 when a worker stopped and another resumed from the last checkpoint), then the result, with the first 1,000 bad lines.";
            s.Responses[200] = "The job.";
            s.ResponseExamples[200] = ImportJobView.Example;
        });
    }

    public override async Task HandleAsync(GetImportRequest request, CancellationToken ct)
    {
        var job = await session.LoadAsync<ImportJob>(request.Id, ct) ?? throw ApiException.NotFound("import", request.Id);
        await Send.OkAsync(ImportJobView.Of(job), ct);
    }
}
