using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Imports;

public enum ImportStatus { Queued, Running, Completed, Failed }

/// <summary>A bad line of an import file, by its 1-based line number.</summary>
public sealed record ImportLineError(long Line, string Message);

/// <summary>Progress and result of one customer import.</summary>
public sealed class ImportJob : IHasId
{
    public const int MaxReportedErrors = 1000;

    public required string Id { get; init; }
    public ImportStatus Status { get; set; }
    public required string FileSha256 { get; init; }
    public required long Bytes { get; init; }
    public long LinesRead { get; set; }
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
    public static ImportJobView Of(ImportJob job) => new(job.Id, job.Status, job.Bytes, job.LinesRead, job.Imported, job.Rejected,
        job.Errors, job.DuplicateOf, job.Failure, job.CreatedAt, job.StartedAt, job.CompletedAt);

    public static readonly ImportJobView Example = new("imp_01jdq3w5x8k2m9v4r7t6y1z0ab", ImportStatus.Completed, 248_113, 1000, 998, 2,
        [new ImportLineError(17, "lifetimeValue.currency: 'currency' must be an ISO 4217 currency code in circulation, such as \"eur\" or \"usd\"."),
         new ImportLineError(512, "body: The body is not valid JSON: '}' is invalid after a property name.")],
        null, null, DateTimeOffset.Parse("2026-11-24T09:00:00Z"), DateTimeOffset.Parse("2026-11-24T09:00:01Z"),
        DateTimeOffset.Parse("2026-11-24T09:00:03Z"));
}
