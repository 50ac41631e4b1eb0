using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Engine;

[Published]
public enum SweepStatus { Queued, Running, Succeeded, Failed }

/// <summary>What one sweep did. Withheld counts are by reason.</summary>
/// <param name="Examined">Customers near or past a window that the sweep decided on.</param>
/// <param name="Lapsed">Lapse episodes opened.</param>
/// <param name="Rewarded">Rewards issued.</param>
/// <param name="Failed">Customers whose write failed; the next sweep tries them again.</param>
public sealed record SweepCounts(int Examined, int Lapsed, int Rewarded, IReadOnlyDictionary<WithheldReason, int> Withheld, int Failed)
{
    /// <summary>The first failed customer and why, when some failed.</summary>
    public string? FirstFailure { get; init; }

    public static readonly SweepCounts None = new(0, 0, 0, new Dictionary<WithheldReason, int>(), 0);

    public SweepCounts Add(SweepCounts other) => new(Examined + other.Examined, Lapsed + other.Lapsed, Rewarded + other.Rewarded,
        Enum.GetValues<WithheldReason>().Where(r => Withheld.ContainsKey(r) || other.Withheld.ContainsKey(r))
            .ToDictionary(r => r, r => Withheld.GetValueOrDefault(r) + other.Withheld.GetValueOrDefault(r)),
        Failed + other.Failed) { FirstFailure = FirstFailure ?? other.FirstFailure };
}

/// <summary>A sweep asked for through the API; the worker runs it. Platform-level, so the worker finds queued jobs of all tenants.</summary>
[Published]
public sealed class SweepJob : IQueuedJob
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public SweepStatus Status { get; set; } = SweepStatus.Queued;
    /// <summary>The tenant's time the sweep judges lapses at: its clock when the sweep was asked for.</summary>
    public required DateTimeOffset AsOf { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public SweepCounts Counts { get; set; } = SweepCounts.None;
    /// <summary>Why the sweep, or some of its customers, failed.</summary>
    public string? Failure { get; set; }
    /// <summary>Attempts that failed; the sweep is given up after the configured number (WinBack__Background__ParkAfterFailures).</summary>
    public int Attempts { get; set; }

    JobState IQueuedJob.State
    {
        get => Status switch { SweepStatus.Running => JobState.Running, SweepStatus.Succeeded => JobState.Succeeded, SweepStatus.Failed => JobState.Failed, _ => JobState.Queued };
        set => Status = value switch { JobState.Running => SweepStatus.Running, JobState.Succeeded => SweepStatus.Succeeded, JobState.Failed => SweepStatus.Failed, _ => SweepStatus.Queued };
    }
}
