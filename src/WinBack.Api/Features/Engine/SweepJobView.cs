using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Engine;

/// <summary>Rewards withheld, by reason.</summary>
public sealed record WithheldView(int Holdout, int Budget, int Cooldown, int PerCustomerCap, int Ineligible);

/// <summary>A sweep and what it did so far.</summary>
/// <param name="Id">The sweep's id (<c>swp_…</c>).</param>
/// <param name="Status">queued (waiting for the worker), running, succeeded or failed.</param>
/// <param name="AsOf">The tenant's time the sweep judges lapses at (a test tenant's clock).</param>
/// <param name="Examined">Customers near or past a window that the sweep decided on.</param>
/// <param name="Lapsed">Lapse episodes opened.</param>
/// <param name="Rewarded">Rewards issued.</param>
/// <param name="Failed">Customers whose write failed; the next sweep tries them again, and one that failed 5 times in a row is set aside
/// for a while (its reason is in failure).</param>
/// <param name="Failure">Why the sweep failed (it is retried, then given up after 5 attempts), or why some of its customers did.</param>
public sealed record SweepJobView(
    string Id, SweepStatus Status, DateTimeOffset AsOf, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt,
    int Examined, int Lapsed, int Rewarded, WithheldView Withheld, int Failed, string? Failure)
{
    public static SweepJobView Of(SweepJob job)
    {
        var w = job.Counts.Withheld;
        return new SweepJobView(job.Id, job.Status, job.AsOf, job.CreatedAt, job.StartedAt, job.CompletedAt, job.Counts.Examined,
            job.Counts.Lapsed, job.Counts.Rewarded,
            new WithheldView(w.GetValueOrDefault(WithheldReason.Holdout), w.GetValueOrDefault(WithheldReason.Budget),
                w.GetValueOrDefault(WithheldReason.Cooldown), w.GetValueOrDefault(WithheldReason.PerCustomerCap),
                w.GetValueOrDefault(WithheldReason.Ineligible)),
            job.Counts.Failed, job.Failure);
    }

    public static readonly SweepJobView Example = new("swp_01jdq3w5x8k2m9v4r7t6y1z0aj", SweepStatus.Succeeded,
        DateTimeOffset.Parse("2026-11-24T09:30:00Z"), DateTimeOffset.Parse("2026-11-24T09:30:00Z"), DateTimeOffset.Parse("2026-11-24T09:30:01Z"),
        DateTimeOffset.Parse("2026-11-24T09:30:03Z"), 412, 405, 352, new WithheldView(40, 0, 6, 2, 5), 0, null);
}
