using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Features.Imports;

public sealed class ImportCustomersEndpoint(IDocumentStore store, ImportClaims claims, ImportWakeup wakeup, Ids ids, TimeProvider clock)
    : EndpointWithoutRequest<ImportJobView>
{
    public const string NdjsonContentType = "application/x-ndjson";

    public override void Configure()
    {
        Post("/customers/import");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Customers");
        Options(b => b.WithMetadata(new RawRequestBody(NdjsonContentType, typeof(ImportLine), ImportLine.Example,
            "A stream of ImportLine objects: one customer per line, each line one JSON object (NDJSON). The schema and the example are one " +
            "line's (#/components/schemas/ImportLine). Up to 1 GiB by default (WinBack__MaxUploadBytes).", Upload: true)));
        Summary(s =>
        {
            s.Summary = "Import customers";
            s.Description = "For onboarding an existing customer base. Upload NDJSON, one customer per line with a summary of their " +
                            "history. The answer (202) is a job to poll at GET /v1/imports/{id}. Bad lines are reported by line " +
                            "number and never stop the good ones. Importing the same file again changes nothing: a completed " +
                            "identical file is skipped, and a customer's imported history replaces their previous import rather " +
                            "than adding to it. A line whose stripeCustomerId would change one that is set is refused, by its number, unless the " +
                            "key is an admin's (it says where credits go). The file is stored in the database before the answer; " +
                            "a worker process imports it, saving its progress every few thousand lines, and if that worker stops, another " +
                            "resumes from the last checkpoint within about 30 s. Each line is imported once. Cancel with POST /v1/imports/{id}/cancel.";
            s.Responses[202] = "Accepted; the job is queued.";
            s.ResponseExamples[202] = ImportJobView.Example with
            {
                Status = ImportStatus.Queued, LinesRead = 0, Imported = 0, Rejected = 0, Errors = [], StartedAt = null, CompletedAt = null,
                LinesPerSecond = null, Runs = 0,
            };
            s.Responses[415] = "The body was not sent as application/x-ndjson.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var caller = HttpContext.Caller();
        var tenantId = caller.RequireTenant();
        if (!string.Equals(HttpContext.Request.ContentType?.Split(';')[0].Trim(), NdjsonContentType, StringComparison.OrdinalIgnoreCase))
            throw new ApiException(ProblemMapping.FromStatus(StatusCodes.Status415UnsupportedMediaType,
                $"Send the file as {NdjsonContentType}: one JSON object per line."));

        // The file, the job and its queue row commit together: a worker never sees a job whose file is not all there.
        var id = ids.New("imp");
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await Infrastructure.Sharding.TenantFence.GuardAsync(connection, tenantId, ct);
        var upload = await ImportFile.StoreAsync(transaction, id, HttpContext.Request.Body, ct);
        var job = new ImportJob
        {
            Id = id, Status = ImportStatus.Queued, FileSha256 = upload.Sha256, Bytes = upload.Bytes, TotalLines = upload.Lines,
            MayRepointStripe = caller.Scope == ApiScopes.Admin, CreatedAt = clock.GetUtcNow(),
        };
        await claims.QueueAsync(transaction, tenantId, job, ct);
        await transaction.CommitAsync(ct);
        wakeup.Wake();

        HttpContext.Response.Headers.Location = $"/v1/imports/{id}";
        await Send.ResponseAsync(ImportJobView.Of(job), StatusCodes.Status202Accepted, ct);
    }
}
