using WinBack.Api.Features.TestClocks;
using System.Text.Json;
using System.Threading.Channels;
using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Imports;

/// <summary>An uploaded file waiting to be imported.</summary>
public sealed record ImportWork(string TenantId, string ImportId, string FilePath);

/// <summary>
/// Imports uploaded NDJSON files in the process that received them, one at a time. Lines go through the
/// customer event writer in chunks, so imports and live activity never race on a customer. Bad lines
/// are recorded with their line number and skipped.
/// </summary>
public sealed class CustomerImportRunner(IDocumentStore store, CustomerEventWriter writer, TimeProvider clock,
    TenantClock tenantClock, ILogger<CustomerImportRunner> logger) : BackgroundService
{
    private const int ChunkSize = 1000;
    private const int ChunksInFlight = 4;
    private readonly Channel<ImportWork> _queue = Channel.CreateUnbounded<ImportWork>();

    public static string Folder => Path.Combine(Path.GetTempPath(), "winback-imports");

    public void Enqueue(ImportWork work)
    {
        if (!_queue.Writer.TryWrite(work))
            throw new InvalidOperationException("The import runner has stopped.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var work in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await RunAsync(work, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Import {ImportId} failed", work.ImportId);
                await SaveAsync(work, job => { job.Status = ImportStatus.Failed; job.Failure = "The import stopped on an internal error; importing the file again is safe."; });
            }
            finally
            {
                File.Delete(work.FilePath);
            }
        }
    }

    private async Task RunAsync(ImportWork work, CancellationToken ct)
    {
        await using var session = store.LightweightSession(work.TenantId);
        var job = await session.LoadAsync<ImportJob>(work.ImportId, ct) ?? throw new InvalidOperationException($"No job {work.ImportId}.");
        var earlier = await session.Query<ImportJob>()
            .FirstOrDefaultAsync(j => j.FileSha256 == job.FileSha256 && j.Status == ImportStatus.Completed && j.DuplicateOf == null, ct);
        job.StartedAt = clock.GetUtcNow();
        if (earlier is not null)
        {
            job.DuplicateOf = earlier.Id;
            await FinishAsync(session, job, ct);
            return;
        }
        job.Status = ImportStatus.Running;
        await SaveAsync(session, job, ct);

        // The customers' history is judged, and stamped, by the tenant's clock (a test tenant's may be far from the wall's).
        var now = await tenantClock.NowAsync(work.TenantId, ct);
        var validator = new ImportLineValidator(now);
        var chunk = new List<CustomerEventWrite>(ChunkSize);
        var inFlight = new Queue<Task<IReadOnlyList<CustomerEventWritten>>>();
        await using var file = File.OpenRead(work.FilePath);
        await foreach (var text in ImportLines.ReadAsync(file, ct))
        {
            job.LinesRead++;
            if (text is null)
            {
                job.Reject(job.LinesRead, ImportLines.TooLong);
                continue;
            }
            if (string.IsNullOrWhiteSpace(text))
                continue;
            if (Parse(text, job.LinesRead, job, validator) is not { } line)
                continue;
            chunk.Add(CustomerEventWrite.Of(work.TenantId, line.ToEvent(job.Id, now)));
            if (chunk.Count < ChunkSize)
                continue;
            inFlight.Enqueue(writer.WriteAllAsync(chunk));
            chunk = new List<CustomerEventWrite>(ChunkSize);
            if (inFlight.Count >= ChunksInFlight)
            {
                job.Imported += (await inFlight.Dequeue()).Count;
                await SaveAsync(session, job, ct);
            }
        }
        if (chunk.Count > 0)
            inFlight.Enqueue(writer.WriteAllAsync(chunk));
        while (inFlight.Count > 0)
            job.Imported += (await inFlight.Dequeue()).Count;
        await FinishAsync(session, job, ct);
    }

    private static ImportLine? Parse(string text, long lineNumber, ImportJob job, ImportLineValidator validator)
    {
        try
        {
            var line = JsonSerializer.Deserialize<ImportLine>(text, WinBackJson.Options);
            if (line is null)
            {
                job.Reject(lineNumber, "The line is null; expected a JSON object.");
                return null;
            }
            var failures = validator.Validate(line).Errors;
            if (failures.Count == 0)
                return line;
            job.Reject(lineNumber, ProblemMapping.FromValidation(failures, 400).Detail);
        }
        catch (JsonException e)
        {
            var failure = JsonErrors.Describe(e);
            job.Reject(lineNumber, failure.PropertyName == JsonErrors.BodyField
                ? failure.ErrorMessage.Replace("The body", "The line")
                : $"{failure.PropertyName}: {failure.ErrorMessage}");
        }
        return null;
    }

    private async Task FinishAsync(IDocumentSession session, ImportJob job, CancellationToken ct)
    {
        job.Status = ImportStatus.Completed;
        job.CompletedAt = clock.GetUtcNow();
        await SaveAsync(session, job, ct);
    }

    private static async Task SaveAsync(IDocumentSession session, ImportJob job, CancellationToken ct)
    {
        session.Store(job);
        await session.SaveChangesAsync(ct);
    }

    private async Task SaveAsync(ImportWork work, Action<ImportJob> change)
    {
        await using var session = store.LightweightSession(work.TenantId);
        if (await session.LoadAsync<ImportJob>(work.ImportId) is not { } job)
            return;
        change(job);
        await SaveAsync(session, job, CancellationToken.None);
    }
}
