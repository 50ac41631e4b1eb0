using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

public enum BacktestStatus { Queued, Running, Succeeded, Failed }

/// <summary>A backtest asked for through the API; the worker runs it. Its tenant's document, found by the worker on every tenant of its shard.</summary>
public sealed class BacktestJob : IQueuedJob
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    /// <summary>The saved rule backtested, or null for a definition sent inline.</summary>
    public string? RuleId { get; init; }
    public required RuleDefinition Definition { get; init; }
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }
    public BacktestStatus Status { get; set; } = BacktestStatus.Queued;
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public BacktestResult? Result { get; set; }
    /// <summary>Why the backtest could not run (it is retried, then given up).</summary>
    public string? Failure { get; set; }
    public int Attempts { get; set; }

    JobState IQueuedJob.State
    {
        get => Status switch { BacktestStatus.Running => JobState.Running, BacktestStatus.Succeeded => JobState.Succeeded, BacktestStatus.Failed => JobState.Failed, _ => JobState.Queued };
        set => Status = value switch { JobState.Running => BacktestStatus.Running, JobState.Succeeded => BacktestStatus.Succeeded, JobState.Failed => BacktestStatus.Failed, _ => BacktestStatus.Queued };
    }
}

/// <summary>Rewards the rule would have withheld, by reason (no holdout: a backtest gives every customer an arm).</summary>
public sealed record BacktestWithheldView(int Budget, int Cooldown, int PerCustomerCap, int Ineligible)
{
    public static BacktestWithheldView Of(IReadOnlyDictionary<WithheldReason, int> w) => new(w.GetValueOrDefault(WithheldReason.Budget),
        w.GetValueOrDefault(WithheldReason.Cooldown), w.GetValueOrDefault(WithheldReason.PerCustomerCap), w.GetValueOrDefault(WithheldReason.Ineligible));
}

/// <summary>What the rule would have done over the period, once the backtest ran.</summary>
/// <param name="Observational">Always true: no holdout existed, so what customers did afterwards is not an effect of the reward.</param>
/// <param name="Caveat">The same, in one line.</param>
/// <param name="EventsRead">Customer events replayed (activities, profiles, imports; the engine's own events are not read).</param>
/// <param name="Reached">Crossings or moments within the period the rule would have acted on.</param>
/// <param name="Cost">Account credit it would have issued, in minor units per currency.</param>
/// <param name="Days">Per UTC day (the day budgets count), only days with something.</param>
/// <param name="Weeks">Per ISO week (UTC), only weeks with something.</param>
/// <param name="Returned">Rewarded customers who came back (win-back) or purchased (moments) within the attribution window.</param>
/// <param name="Purchased">Rewarded customers who purchased within the attribution window.</param>
/// <param name="Revenue">Their purchases less refunds within the window, in minor units per currency.</param>
/// <param name="Customers">The customers rewarded, by reward time, the first 1000; totals count all.</param>
public sealed record BacktestResultView(
    bool Observational, string Caveat, long EventsRead, int CustomersSeen, int Reached, int Rewarded, BacktestWithheldView Withheld,
    IReadOnlyDictionary<string, long> Cost, IReadOnlyList<BacktestBucket> Days, IReadOnlyList<BacktestBucket> Weeks, int Returned, int Purchased,
    IReadOnlyDictionary<string, long> Revenue, IReadOnlyList<BacktestReach> Customers, bool CustomersTruncated)
{
    public static BacktestResultView Of(BacktestResult r) => new(true, BacktestResult.Caveat, r.EventsRead, r.CustomersSeen, r.Reached, r.Rewarded,
        BacktestWithheldView.Of(r.Withheld), r.Cost, r.Days, r.Weeks, r.Returned, r.Purchased, r.Revenue, r.Customers, r.CustomersTruncated);
}

/// <summary>A backtest job.</summary>
/// <param name="Id">The backtest's id (<c>bt_…</c>).</param>
/// <param name="RuleId">The saved rule backtested, or null for an inline definition.</param>
/// <param name="Status">queued (waiting for the worker), running, succeeded (see result) or failed (it could not run; see failure).</param>
/// <param name="Result">Once succeeded: what the rule would have done.</param>
public sealed record BacktestJobView(string Id, string? RuleId, DateTimeOffset From, DateTimeOffset To, BacktestStatus Status,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, BacktestResultView? Result, string? Failure)
{
    public static BacktestJobView Of(BacktestJob job) => new(job.Id, job.RuleId, job.From, job.To, job.Status, job.CreatedAt, job.StartedAt,
        job.CompletedAt, job.Result is { } result ? BacktestResultView.Of(result) : null, job.Failure);

    public static readonly BacktestJobView Example = new("bt_01jdq3w5x8k2m9v4r7t6y1z0aj", "rul_01jdq3w5x8k2m9v4r7t6y1z0ab",
        DateTimeOffset.Parse("2026-07-01T00:00:00Z"), DateTimeOffset.Parse("2026-10-01T00:00:00Z"), BacktestStatus.Succeeded,
        DateTimeOffset.Parse("2026-11-24T09:30:00Z"), DateTimeOffset.Parse("2026-11-24T09:30:01Z"), DateTimeOffset.Parse("2026-11-24T09:30:04Z"),
        new BacktestResultView(true, BacktestResult.Caveat, 1_000_000, 48_210, 412, 380, new BacktestWithheldView(25, 4, 3, 0),
            new Dictionary<string, long> { ["eur"] = 380_000 },
            [new BacktestBucket("2026-07-01", 5, 5, 0, new Dictionary<string, long> { ["eur"] = 5000 })],
            [new BacktestBucket("2026-W27", 31, 29, 2, new Dictionary<string, long> { ["eur"] = 29_000 })],
            121, 118, new Dictionary<string, long> { ["eur"] = 1_420_000 },
            [new BacktestReach("cus_4711", DateTimeOffset.Parse("2026-07-01T10:05:00Z"), true, true, new Dictionary<string, long> { ["eur"] = 4200 })],
            true),
        null);
}
