using System.Diagnostics;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Imports;

/// <summary>Wakes this process's import runner when this process just queued an import.</summary>
public sealed class ImportWakeup : WakeSignal;

/// <summary>
/// Imports uploaded NDJSON files in worker processes, one job at a time per process, any number of processes at once. A
/// worker claims a job (<see cref="ImportClaims"/>), reads the file from PostgreSQL from the job's last checkpoint, and writes
/// lines through the customer event writer in batches; after each batch it saves the checkpoint (line, byte offset, counts,
/// errors) and renews its lease in one transaction. A worker that dies is replaced once its lease runs out, and the next
/// resumes from the checkpoint: the lines of the cut-off batches are written again, and a line whose import is already on the
/// customer changes nothing, so each line is imported once. Bad lines, and lines whose write fails, are recorded with their line
/// number and skipped. A job that stops on an internal error keeps its counts and says at which line it stopped.
/// </summary>
public sealed class CustomerImportRunner(IDocumentStore store, ImportClaims claims, ImportWakeup wakeup, CustomerEventWriter writer,
    BackgroundHealth health, TimeProvider clock, TenantClock tenantClock, IOptions<WinBackOptions> options,
    ILogger<CustomerImportRunner> logger) : BackgroundService
{
    public const string Loop = "import";
    private const int BatchesInFlight = 4;
    private readonly string _worker = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    private WorkerOptions Workers => options.Value.Workers;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            ImportClaim? claim = null;
            try
            {
                claim = await claims.ClaimAsync(_worker, stoppingToken);
                if (claim is not null)
                    await RunClaimAsync(claim, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                if (claim is not null)
                    await HandBackAsync(claim);
                return;
            }
            catch (ImportLeaseLostException e)
            {
                logger.LogWarning("{Message} Another worker resumes it", e.Message);
            }
            catch (Exception e)
            {
                // The database is away, most likely: the job's lease runs out and it is taken again.
                logger.LogWarning(LoopFailures.WorthAStack(e), "The import runner could not go on with import {ImportId} ({Error}); it tries again",
                    claim?.ImportId, e.Message);
            }
            if (claim is null)
            {
                try { await wakeup.WaitAsync(Workers.ImportPoll, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task HandBackAsync(ImportClaim claim)
    {
        try { await claims.ReleaseAsync(claim, _worker, CancellationToken.None); }
        catch (Exception e) { logger.LogWarning(e, "Could not hand back import {ImportId}; it is taken again when its lease runs out", claim.ImportId); }
    }

    private async Task RunClaimAsync(ImportClaim claim, CancellationToken ct)
    {
        ImportJob? job;
        await using (var session = store.QuerySession(claim.TenantId))
            job = await session.LoadAsync<ImportJob>(claim.ImportId, ct);
        if (job is null || job.Status is ImportStatus.Completed or ImportStatus.Failed or ImportStatus.Cancelled)
        {
            await claims.ForgetAsync(claim, ct);
            return;
        }
        job.Runs++;
        if (claim.CancelRequested)
        {
            await EndAsync(claim, job, ImportStatus.Cancelled, ct);
            return;
        }
        try
        {
            await RunAsync(claim, job, ct);
        }
        // The database away for a moment is not the job's fault: the lease runs out and a worker resumes it from the checkpoint.
        catch (Exception e) when (e is not (OperationCanceledException or ImportLeaseLostException) && e is not Npgsql.NpgsqlException { IsTransient: true })
        {
            await FailAsync(claim, job, e, ct);
        }
    }

    // The job keeps what it counted and says where it stopped; a failure to record that is logged, and the lease runs out.
    private async Task FailAsync(ImportClaim claim, ImportJob job, Exception e, CancellationToken ct)
    {
        var reason = $"The import stopped on an internal error after line {job.LinesRead}; what was imported is kept, and importing the " +
                     $"file again is safe. {BackgroundHealth.ReasonOf(e)}";
        await health.ParkAsync(Loop, claim.TenantId, claim.ImportId, reason, ct);
        try
        {
            job.Failure = reason;
            await EndAsync(claim, job, ImportStatus.Failed, ct);
        }
        catch (Exception recording) when (recording is not OperationCanceledException)
        {
            logger.LogError(recording, "Could not record that import {ImportId} of tenant {TenantId} failed", claim.ImportId, claim.TenantId);
        }
    }

    private async Task RunAsync(ImportClaim claim, ImportJob job, CancellationToken ct)
    {
        if (job.StartedAt is null)
        {
            job.StartedAt = clock.GetUtcNow();
            if (await EarlierCompletedAsync(claim, job, ct) is { } earlier)
            {
                job.DuplicateOf = earlier;
                await EndAsync(claim, job, ImportStatus.Completed, ct);
                return;
            }
        }
        job.Status = ImportStatus.Running;
        if (await claims.CheckpointAsync(claim, _worker, job, final: false, ct))
        {
            await EndAsync(claim, job, ImportStatus.Cancelled, ct);
            return;
        }

        // The customers' history is judged, and stamped, by the tenant's clock (a test tenant's may be far from the wall's).
        var now = await tenantClock.NowAsync(claim.TenantId, ct);
        var validator = new ImportLineValidator(now);
        var mayRepoint = job.MayRepointStripe;
        var batchLines = Math.Max(1, Workers.ImportBatchLines);
        var lineNumber = job.LinesRead;
        var startOffset = job.BytesRead;
        var batch = new ImportBatch(batchLines);
        var inFlight = new Queue<Task<ImportBatch>>();
        var timer = Stopwatch.StartNew();

        // Counts a finished batch and saves the checkpoint; true when a cancel was asked for.
        async Task<bool> CheckpointAsync(ImportBatch done)
        {
            done.CountInto(job, logger);
            job.ActiveSeconds += timer.Elapsed.TotalSeconds;
            timer.Restart();
            return await claims.CheckpointAsync(claim, _worker, job, final: false, ct);
        }

        await using var connection = await Sql.OpenForTenantAsync(store, claim.TenantId, ct);
        await using var file = ImportFile.OpenRead(connection, claim.ImportId, startOffset);
        var cancelled = false;
        await foreach (var read in ImportLines.ReadFromAsync(file, atStart: startOffset == 0, ct))
        {
            lineNumber++;
            batch.Reached(lineNumber, startOffset + read.End);
            if (read.Text is null)
                batch.Reject(lineNumber, ImportLines.TooLong);
            else if (!string.IsNullOrWhiteSpace(read.Text) && Parse(read.Text, lineNumber, batch, validator) is { } line)
                batch.Writes.Add((lineNumber, WriteOf(claim.TenantId, mayRepoint, line.ToEvent(job.Id, now))));
            if (batch.Lines < batchLines)
                continue;
            inFlight.Enqueue(WriteAsync(batch));
            batch = new ImportBatch(batchLines);
            if (inFlight.Count >= BatchesInFlight && await CheckpointAsync(await inFlight.Dequeue()))
            {
                cancelled = true;
                break;
            }
        }
        if (!cancelled && batch.Lines > 0)
            inFlight.Enqueue(WriteAsync(batch));
        // What is in flight is written either way: counted, so that a cancelled job says exactly which lines are in.
        while (inFlight.Count > 0)
            cancelled |= await CheckpointAsync(await inFlight.Dequeue());
        await EndAsync(claim, job, cancelled ? ImportStatus.Cancelled : ImportStatus.Completed, ct);
    }

    private async Task<string?> EarlierCompletedAsync(ImportClaim claim, ImportJob job, CancellationToken ct)
    {
        await using var session = store.QuerySession(claim.TenantId);
        var earlier = await session.Query<ImportJob>()
            .FirstOrDefaultAsync(j => j.FileSha256 == job.FileSha256 && j.Status == ImportStatus.Completed && j.DuplicateOf == null, ct);
        return earlier?.Id;
    }

    private async Task EndAsync(ImportClaim claim, ImportJob job, ImportStatus status, CancellationToken ct)
    {
        // Write failures are counted as their batches finish; the report reads in line order.
        job.Errors.Sort((a, b) => a.Line.CompareTo(b.Line));
        job.Status = status;
        job.CompletedAt = clock.GetUtcNow();
        await claims.CheckpointAsync(claim, _worker, job, final: true, ct);
    }

    // A line already on the customer (written before a resume) changes nothing; an ingest key's line may name a Stripe
    // customer where there is none, never re-point one (both checked on the state written to).
    private static CustomerEventWrite WriteOf(string tenantId, bool mayRepoint, CustomerImported imported) =>
        new(tenantId, imported.CustomerId, current =>
            ImportedAlready(current, imported) ? []
            : mayRepoint || imported.StripeCustomerId is null || !ProfileRules.RepointsStripeCustomer(current, imported.StripeCustomerId)
                ? [imported]
                : throw new ApiException(ProfileRules.StripeIdNeedsAdmin));

    /// <summary>Whether applying the line again would change nothing: its import's history is on the customer, and its profile.</summary>
    public static bool ImportedAlready(Customer? current, CustomerImported e) =>
        current?.Imported == new ImportedHistory(e.ImportId, e.OrderCount, e.LifetimeValue)
        && current.FirstSeenAt <= e.FirstSeenAt && current.LastActivityAt >= e.LastActivityAt
        && (e.LastPurchaseAt is null || current.LastPurchaseAt >= e.LastPurchaseAt)
        && (e.Email is null || current.Email == e.Email)
        && (e.StripeCustomerId is null || current.StripeCustomerId == e.StripeCustomerId)
        && (e.Attributes.Count == 0 || (current.Attributes.Count == e.Attributes.Count
            && e.Attributes.All(a => current.Attributes.TryGetValue(a.Key, out var value) && value == a.Value)));

    // Each line's write succeeds or fails on its own; a failure is that line's, by its number.
    private async Task<ImportBatch> WriteAsync(ImportBatch batch)
    {
        batch.Written = await Task.WhenAll(batch.Writes.Select(async c =>
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
        return batch;
    }

    private static ImportLine? Parse(string text, long lineNumber, ImportBatch batch, ImportLineValidator validator)
    {
        try
        {
            var line = JsonSerializer.Deserialize<ImportLine>(text, WinBackJson.Options);
            if (line is null)
            {
                batch.Reject(lineNumber, "The line is null; expected a JSON object.");
                return null;
            }
            var failures = validator.Validate(line).Errors;
            if (failures.Count == 0)
                return line;
            batch.Reject(lineNumber, ProblemMapping.FromValidation(failures, 400).Detail);
        }
        catch (JsonException e)
        {
            var failure = JsonErrors.Describe(e);
            batch.Reject(lineNumber, failure.PropertyName == JsonErrors.BodyField
                ? failure.ErrorMessage.Replace("The body", "The line")
                : $"{failure.PropertyName}: {failure.ErrorMessage}");
        }
        return null;
    }
}

/// <summary>
/// A run of consecutive lines, written together; it reaches the job (counts, errors, checkpoint) only once all its writes
/// ended, so that a checkpoint never counts a line that a resume would read again.
/// </summary>
internal sealed class ImportBatch(int capacity)
{
    private readonly List<ImportLineError> _rejected = [];
    private long _firstLine = -1, _lastLine, _end;

    public List<(long Line, CustomerEventWrite Write)> Writes { get; } = new(capacity);
    public (long Line, Exception? Failure)[] Written { get; set; } = [];
    public long Lines => _firstLine < 0 ? 0 : _lastLine - _firstLine + 1;

    public void Reached(long line, long end)
    {
        if (_firstLine < 0)
            _firstLine = line;
        (_lastLine, _end) = (line, end);
    }

    public void Reject(long line, string message) => _rejected.Add(new ImportLineError(line, message));

    public void CountInto(ImportJob job, ILogger logger)
    {
        foreach (var error in _rejected)
            job.Reject(error.Line, error.Message);
        foreach (var (line, failure) in Written)
        {
            if (failure is null)
            {
                job.Imported++;
                continue;
            }
            logger.LogWarning(failure, "Line {Line} of import {ImportId} could not be written", line, job.Id);
            job.Reject(line, $"The line could not be written: {BackgroundHealth.ReasonOf(failure)}");
        }
        if (Lines > 0)
            (job.LinesRead, job.BytesRead) = (_lastLine, _end);
    }
}
