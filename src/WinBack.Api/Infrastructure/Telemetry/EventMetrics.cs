using Marten;
using Marten.Services;
using WinBack.Domain.Customers;

namespace WinBack.Api.Infrastructure.Telemetry;

/// <summary>Counts the domain events every session commits, in one place: whoever appends them (API, worker, import) is counted.</summary>
public sealed class EventMetrics(WinBackMetrics metrics) : DocumentSessionListenerBase
{
    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        // Nothing listens (no OTLP exporter): the hot write path pays nothing, not even the tags' names.
        if (!metrics.CountsEvents)
            return Task.CompletedTask;
        long imported = 0;
        foreach (var e in commit.GetEvents())
        {
            switch (e.Data)
            {
                case ActivityRecorded recorded: metrics.ActivityRecorded(recorded.Type); break;
                case RewardIssued issued: metrics.RewardIssued(issued.Type); break;
                case RewardWithheld withheld: metrics.RewardWithheld(withheld.Reason); break;
                case CustomerImported: imported++; break;
            }
        }
        if (imported > 0)
            metrics.ImportLines(imported);
        return Task.CompletedTask;
    }
}
