using System.Security.Cryptography;
using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Imports;

public sealed class ImportCustomersEndpoint(IDocumentSession session, CustomerImportRunner runner, Ids ids, TimeProvider clock)
    : EndpointWithoutRequest<ImportJobView>
{
    public const string NdjsonContentType = "application/x-ndjson";

    public override void Configure()
    {
        Post("/customers/import");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Customers");
        Options(b => b.WithMetadata(new RawRequestBody(NdjsonContentType, typeof(ImportLine), ImportLine.Example,
            "One customer per line (NDJSON), each an ImportLine. Up to 1 GiB by default (WinBack__MaxUploadBytes).", Upload: true)));
        Summary(s =>
        {
            s.Summary = "Import customers";
            s.Description = "For onboarding an existing customer base. Upload NDJSON, one customer per line with a summary of their " +
                            "history. The answer (202) is a job to poll at GET /v1/imports/{id}. Bad lines are reported by line " +
                            "number and never stop the good ones. Importing the same file again changes nothing: a completed " +
                            "identical file is skipped, and a customer's imported history replaces their previous import rather " +
                            "than adding to it. A line whose stripeCustomerId would change one that is set is refused, by its number, unless the " +
                            "key is an admin's (it says where credits go). The file is processed by the API process that received it; if that process " +
                            "stops mid-import the job stays running, and uploading the file again is safe.";
            s.Responses[202] = "Accepted; the job is queued.";
            s.ResponseExamples[202] = ImportJobView.Example with
            {
                Status = ImportStatus.Queued, LinesRead = 0, Imported = 0, Rejected = 0, Errors = [], StartedAt = null, CompletedAt = null,
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

        var id = ids.New("imp");
        Directory.CreateDirectory(CustomerImportRunner.Folder);
        var path = Path.Combine(CustomerImportRunner.Folder, $"{id}.ndjson");
        var (bytes, sha256) = await SaveAsync(path, ct);

        var job = new ImportJob { Id = id, Status = ImportStatus.Queued, FileSha256 = sha256, Bytes = bytes, CreatedAt = clock.GetUtcNow() };
        session.Insert(job);
        await session.SaveChangesAsync(ct);
        runner.Enqueue(new ImportWork(tenantId, id, path, MayRepointStripe: caller.Scope == ApiScopes.Admin));

        HttpContext.Response.Headers.Location = $"/v1/imports/{id}";
        await Send.ResponseAsync(ImportJobView.Of(job), StatusCodes.Status202Accepted, ct);
    }

    private async Task<(long Bytes, string Sha256)> SaveAsync(string path, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long total = 0;
        try
        {
            await using var file = File.Create(path);
            int read;
            while ((read = await HttpContext.Request.Body.ReadAsync(buffer, ct)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
                total += read;
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        return (total, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
