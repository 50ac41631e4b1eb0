using WinBack.Api.Features.TestClocks;
using System.Text.Json;
using System.Threading.Channels;
using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Imports;

/// <summary>An uploaded file waiting to be imported.</summary>
/// <param name="MayRepointStripe">Whether the uploader's key is an admin's: only it may change a Stripe customer id that is set.</param>
public sealed record ImportWork(string TenantId, string ImportId, string FilePath, bool MayRepointStripe);

/// <summary>
/// Imports uploaded NDJSON files in the process that received them, one at a time. Lines go through the
/// customer event writer in chunks, so imports and live activity never race on a customer. Bad lines, and lines whose
/// write fails, are recorded with their line number and skipped; the counts say what was written. A job that stops on an
/// internal error keeps its counts and says at which line it stopped.
/// </summary>
public sealed class CustomerImportRunner(IDocumentStore store, CustomerEventWriter writer, BackgroundHealth health, TimeProvider clock,
    TenantClock tenantClock, ILogger<CustomerImportRunner> logger) : BackgroundService
{
    public const string Loop = "import";
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
                await FailAsync(work, e, stoppingToken);
            }
            finally
            {
                try { File.Delete(work.FilePath); }
                catch (IOException e) { logger.LogWarning(e, "Could not delete the file of import {ImportId}", work.ImportId); }
            }
        }
    }

    // The job keeps what it counted and says where it stopped; a failure to record that is logged, and the next import runs.
    private async Task FailAsync(ImportWork work, Exception e, CancellationToken ct)
    {
        var stopped = e as ImportStoppedException;
        var reason = $"The import stopped on an internal error{(stopped is null ? "" : $" after line {stopped.Job.LinesRead}")}; what was " +
                     $"imported is kept, and importing the file again is safe. {BackgroundHealth.ReasonOf(stopped?.InnerException ?? e)}";
        await health.ParkAsync(Loop, work.TenantId, work.ImportId, reason, ct);
        try
        {
            await using var session = store.LightweightSession(work.TenantId);
            var job = stopped?.Job ?? await session.LoadAsync<ImportJob>(work.ImportId, ct);
            if (job is null)
                return;
            job.Status = ImportStatus.Failed;
            job.Failure = reason;
            job.CompletedAt = clock.GetUtcNow();
            await SaveAsync(session, job, ct);
        }
        catch (Exception recording) when (recording is not OperationCanceledException)
        {
            logger.LogError(recording, "Could not record that import {ImportId} of tenant {TenantId} failed", work.ImportId, work.TenantId);
        }
    }

    /// <summary>An import that stopped part-way, with its job as far as it got.</summary>
    private sealed class ImportStoppedException(ImportJob job, Exception cause) : Exception(cause.Message, cause)
    {
        public ImportJob Job { get; } = job;
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
        var chunk = new List<(long Line, CustomerEventWrite Write)>(ChunkSize);
        var inFlight = new Queue<Task<(long Line, Exception? Failure)[]>>();
        try
        {
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
                chunk.Add((job.LinesRead, WriteOf(work, line.ToEvent(job.Id, now))));
                if (chunk.Count < ChunkSize)
                    continue;
                inFlight.Enqueue(WriteAsync(chunk));
                chunk = new List<(long, CustomerEventWrite)>(ChunkSize);
                if (inFlight.Count >= ChunksInFlight)
                {
                    Count(job, await inFlight.Dequeue());
                    await SaveAsync(session, job, ct);
                }
            }
            if (chunk.Count > 0)
                inFlight.Enqueue(WriteAsync(chunk));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // What was written before the stop is counted, so the job stays honest.
            foreach (var written in inFlight)
                Count(job, await written);
            throw new ImportStoppedException(job, e);
        }
        while (inFlight.Count > 0)
            Count(job, await inFlight.Dequeue());
        await FinishAsync(session, job, ct);
    }

    // An ingest key's line may name a Stripe customer where there is none, never re-point one (checked on the state written to).
    private static CustomerEventWrite WriteOf(ImportWork work, CustomerImported imported) =>
        new(work.TenantId, imported.CustomerId, current =>
            work.MayRepointStripe || imported.StripeCustomerId is null || !ProfileRules.RepointsStripeCustomer(current, imported.StripeCustomerId)
                ? [imported]
                : throw new ApiException(ProfileRules.StripeIdNeedsAdmin));

    // Each line's write succeeds or fails on its own; a failure is that line's, by its number.
    private async Task<(long Line, Exception? Failure)[]> WriteAsync(IReadOnlyList<(long Line, CustomerEventWrite Write)> chunk) =>
        await Task.WhenAll(chunk.Select(async c =>
        {
            try
            {
                await writer.WriteAsync(c.Write);
                return (c.Line, (Exception?)null);
            }
            catch (Exception e)
            {
                return (c.Line, e);
            }
        }));

    private void Count(ImportJob job, (long Line, Exception? Failure)[] written)
    {
        foreach (var (line, failure) in written)
        {
            if (failure is null)
            {
                job.Imported++;
                continue;
            }
            logger.LogWarning(failure, "Line {Line} of import {ImportId} could not be written", line, job.Id);
            job.Reject(line, $"The line could not be written: {BackgroundHealth.ReasonOf(failure)}");
        }
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
        // Write failures are counted as their chunks finish; the report reads in line order.
        job.Errors.Sort((a, b) => a.Line.CompareTo(b.Line));
        job.Status = ImportStatus.Completed;
        job.CompletedAt = clock.GetUtcNow();
        await SaveAsync(session, job, ct);
    }

    private static async Task SaveAsync(IDocumentSession session, ImportJob job, CancellationToken ct)
    {
        session.Store(job);
        await session.SaveChangesAsync(ct);
    }

}
