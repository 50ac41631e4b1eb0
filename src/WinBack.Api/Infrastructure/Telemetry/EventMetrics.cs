using Marten;
using Marten.Services;
using WinBack.Domain.Customers;

namespace WinBack.Api.Infrastructure.Telemetry;

/// <summary>Counts the domain events every session commits, in one place: whoever appends them (API, worker, import) is counted.</summary>
public sealed class EventMetrics(WinBackMetrics metrics) : DocumentSessionListenerBase
{
    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        Count(metrics, commit.GetEvents().Select(e => e.Data));
        return Task.CompletedTask;
    }

    /// <summary>Counts committed events; also for the events appended beside Marten's append (<c>SetBasedWrites</c>).</summary>
    public static void Count(WinBackMetrics metrics, IEnumerable<object> events)
    {
        // Nothing listens (no OTLP exporter): the hot write path pays nothing, not even the tags' names.
        if (!metrics.CountsEvents)
            return;
        long imported = 0;
        foreach (var e in events)
        {
            switch (e)
            {
                case ActivityRecorded recorded: metrics.ActivityRecorded(recorded.Type); break;
                case RewardIssued issued: metrics.RewardIssued(issued.Type); break;
                case RewardWithheld withheld: metrics.RewardWithheld(withheld.Reason); break;
                case CustomerImported: imported++; break;
            }
        }
        if (imported > 0)
            metrics.ImportLines(imported);
    }
}
