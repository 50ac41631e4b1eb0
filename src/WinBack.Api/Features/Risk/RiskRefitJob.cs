using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Risk;

namespace WinBack.Api.Features.Risk;

public enum RiskRefitStatus { Queued, Running, Succeeded, Failed }

/// <summary>A refit of one tenant's model, asked for or scheduled; the worker runs it. Platform-level, so the worker finds all tenants' jobs.</summary>
public sealed class RiskRefitJob : IQueuedJob
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public RiskRefitStatus Status { get; set; } = RiskRefitStatus.Queued;
    /// <summary>True when the worker's schedule queued it, false when an admin asked for it.</summary>
    public bool Scheduled { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    /// <summary>What the fit concluded, once it ran.</summary>
    public RiskModelStatus? Outcome { get; set; }
    /// <summary>Why the job could not run (it is retried, then given up).</summary>
    public string? Failure { get; set; }
    public int Attempts { get; set; }

    JobState IQueuedJob.State
    {
        get => Status switch { RiskRefitStatus.Running => JobState.Running, RiskRefitStatus.Succeeded => JobState.Succeeded, RiskRefitStatus.Failed => JobState.Failed, _ => JobState.Queued };
        set => Status = value switch { JobState.Running => RiskRefitStatus.Running, JobState.Succeeded => RiskRefitStatus.Succeeded, JobState.Failed => RiskRefitStatus.Failed, _ => RiskRefitStatus.Queued };
    }
}

/// <summary>The one queued or running refit of a tenant, keyed by the tenant: inserting a second one fails, so two requests cannot both queue.</summary>
public sealed class ActiveRiskRefit : IHasId
{
    public required string Id { get; init; }
    public required string JobId { get; init; }
}

/// <summary>A refit job.</summary>
/// <param name="Id">The job's id (<c>rfit_…</c>).</param>
/// <param name="Status">queued (waiting for the worker), running, succeeded (the fit ran; see outcome) or failed (it could not run).</param>
/// <param name="Outcome">What the fit concluded: fitted, insufficient_data or failed (did not converge).</param>
public sealed record RiskRefitJobView(string Id, RiskRefitStatus Status, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt, RiskModelStatus? Outcome, string? Failure)
{
    public static RiskRefitJobView Of(RiskRefitJob job) =>
        new(job.Id, job.Status, job.CreatedAt, job.StartedAt, job.CompletedAt, job.Outcome, job.Failure);

    public static readonly RiskRefitJobView Example = new("rfit_01jdq3w5x8k2m9v4r7t6y1z0aj", RiskRefitStatus.Queued,
        DateTimeOffset.Parse("2026-11-24T09:30:00Z"), null, null, null, null);
}
