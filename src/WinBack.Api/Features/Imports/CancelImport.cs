using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Features.Imports;

public sealed class CancelImportEndpoint(ImportClaims claims, IQuerySession session) : Endpoint<GetImportRequest, ImportJobView>
{
    // How long the answer waits for the worker that holds the job to stop at its next checkpoint.
    private static readonly TimeSpan WorkerStop = TimeSpan.FromSeconds(10);

    public static ApiException Finished(ImportJob job) => new(ApiProblem.Of(StatusCodes.Status409Conflict, ErrorCodes.ImportFinished,
        "Import finished", $"Import {job.Id} is {job.Status.ToString().ToLowerInvariant()}; only a queued or running import can be cancelled."));

    public override void Configure()
    {
        Post("/imports/{id}/cancel");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Customers");
        Summary(s =>
        {
            s.Summary = "Cancel an import job";
            s.Description = "Stops the import after the lines being written. Every line imported so far stays in place: the job says " +
                            "cancelled, with linesRead the last line read and imported/rejected what became of the lines up to it. " +
                            "Cancelling a cancelled job again answers the same.";
            s.Responses[200] = "The job, cancelled.";
            s.Responses[202] = "The worker importing it has been asked to stop and had not yet stopped; poll GET /v1/imports/{id}.";
            s.Responses[409] = "The job already completed or failed (`import_finished`).";
            s.ResponseExamples[200] = ImportJobView.Example with { Status = ImportStatus.Cancelled, SecondsLeft = null };
            s.ResponseExamples[202] = ImportJobView.Example with { Status = ImportStatus.Running, CompletedAt = null, SecondsLeft = 0.5 };
            s.ResponseExamples[409] = ProblemMapping.FromException(Finished(new ImportJob
            {
                Id = ImportJobView.Example.Id, Status = ImportStatus.Completed, FileSha256 = "", Bytes = 0, CreatedAt = ImportJobView.Example.CreatedAt,
            }));
        });
    }

    public override async Task HandleAsync(GetImportRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var (job, requested) = await claims.CancelAsync(tenantId, request.Id, ct) ?? throw ApiException.NotFound("import", request.Id);
        if (job.Status is ImportStatus.Completed or ImportStatus.Failed)
            throw Finished(job);
        for (var waited = TimeSpan.Zero; requested && waited < WorkerStop && job.Status != ImportStatus.Cancelled; waited += Poll)
        {
            await Task.Delay(Poll, ct);
            job = await session.LoadAsync<ImportJob>(request.Id, ct) ?? job;
            if (job.Status is ImportStatus.Completed or ImportStatus.Failed)
                throw Finished(job);
        }
        await Send.ResponseAsync(ImportJobView.Of(job), job.Status == ImportStatus.Cancelled ? StatusCodes.Status200OK : StatusCodes.Status202Accepted, ct);
    }

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
}
