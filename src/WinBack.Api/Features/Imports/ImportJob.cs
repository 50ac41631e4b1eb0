using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Imports;

[Published]
public enum ImportStatus { Queued, Running, Completed, Failed, Cancelled }

/// <summary>A bad line of an import file, by its 1-based line number.</summary>
public sealed record ImportLineError(long Line, string Message);

/// <summary>Progress and result of one customer import.</summary>
[Published]
public sealed class ImportJob : IHasId
{
    public const int MaxReportedErrors = 1000;

    public required string Id { get; init; }
    public ImportStatus Status { get; set; }
    public required string FileSha256 { get; init; }
    public required long Bytes { get; init; }
    /// <summary>Lines in the file, counted on upload (the last may lack a line break).</summary>
    public long? TotalLines { get; init; }
    /// <summary>Whether the uploader's key is an admin's: only it may change a Stripe customer id that is set.</summary>
    public bool MayRepointStripe { get; init; }
    /// <summary>The checkpoint: lines read and written (or rejected) so far.</summary>
    public long LinesRead { get; set; }
    /// <summary>The checkpoint: where in the file the line after <see cref="LinesRead"/> starts.</summary>
    public long BytesRead { get; set; }
    /// <summary>Seconds spent importing, over every run (a resumed job adds up its runs).</summary>
    public double ActiveSeconds { get; set; }
    /// <summary>How many times a worker took the job (more than once when one stopped mid-import).</summary>
    public int Runs { get; set; }
    public long Imported { get; set; }
    public long Rejected { get; set; }
    /// <summary>The first <see cref="MaxReportedErrors"/> bad lines.</summary>
    public List<ImportLineError> Errors { get; set; } = [];
    /// <summary>Set when the same file was already imported completely; nothing was written again.</summary>
    public string? DuplicateOf { get; set; }
    public string? Failure { get; set; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    public void Reject(long line, string message)
    {
        Rejected++;
        if (Errors.Count < MaxReportedErrors)
            Errors.Add(new ImportLineError(line, message));
    }
}

/// <summary>An import job as the API shows it.</summary>
public sealed record ImportJobView(
    string Id, ImportStatus Status, long Bytes, long LinesRead, long Imported, long Rejected,
    IReadOnlyList<ImportLineError> Errors, string? DuplicateOf, string? Failure,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt)
{
    /// <summary>Lines in the file, counted on upload.</summary>
    public long? TotalLines { get; init; }
    /// <summary>Lines per second while a worker imported it; null before it started.</summary>
    public double? LinesPerSecond { get; init; }
    /// <summary>Estimated seconds left at that rate, while queued or running; null when not known yet.</summary>
    public double? SecondsLeft { get; init; }
    /// <summary>How many times a worker took the job: more than once when one stopped and another resumed it from its last checkpoint.</summary>
    public int Runs { get; init; }

    public static ImportJobView Of(ImportJob job)
    {
        double? rate = job.ActiveSeconds > 0 ? Math.Round(job.LinesRead / job.ActiveSeconds, 1) : null;
        double? left = job.Status is ImportStatus.Queued or ImportStatus.Running && rate > 0 && job.TotalLines is { } total
            ? Math.Round(Math.Max(0, total - job.LinesRead) / rate.Value, 1)
            : null;
        return new ImportJobView(job.Id, job.Status, job.Bytes, job.LinesRead, job.Imported, job.Rejected,
            job.Errors, job.DuplicateOf, job.Failure, job.CreatedAt, job.StartedAt, job.CompletedAt)
        {
            TotalLines = job.TotalLines, LinesPerSecond = rate, SecondsLeft = left, Runs = job.Runs,
        };
    }

    public static readonly ImportJobView Example = new("imp_01jdq3w5x8k2m9v4r7t6y1z0ab", ImportStatus.Completed, 248_113, 1000, 998, 2,
        [new ImportLineError(17, "lifetimeValue.currency: 'currency' must be an ISO 4217 currency code in circulation, such as \"eur\" or \"usd\"."),
         new ImportLineError(512, "body: The body is not valid JSON: '}' is invalid after a property name.")],
        null, null, DateTimeOffset.Parse("2026-11-24T09:00:00Z"), DateTimeOffset.Parse("2026-11-24T09:00:01Z"),
        DateTimeOffset.Parse("2026-11-24T09:00:03Z")) { TotalLines = 1000, LinesPerSecond = 500, SecondsLeft = null, Runs = 1 };
}
