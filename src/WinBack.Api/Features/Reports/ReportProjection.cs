using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using WinBack.Domain.Customers;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Reports;

/// <summary>
/// The customer's episodes as the report projection last folded them: the state it compares the next events against, so that it
/// rewrites only the episode rows that changed. Kept only for customers who have lapsed, or reached a moment, at least once.
/// </summary>
[Published]
public sealed class CustomerEpisodes
{
    public required string Id { get; init; }
    /// <summary>Folded by the domain's <see cref="Customer.Evolve(Customer?, object)"/> from the events that shape episodes only (<see cref="ReportProjection.Shapes"/>):
    /// its episodes, open episode and episode rewards are the customer's; its other fields are not kept up.</summary>
    public required Customer State { get; init; }
}

/// <summary>
/// Writes the report tables (<see cref="LapseEpisodeTable"/>, and the dirty marks of <see cref="ReportRollups"/>) from the customer
/// streams. An async projection: the daemon's leader runs it off the write path, and its rows and its progress commit in one
/// transaction, so reports lag a write by the daemon's poll and never see half a batch. A rebuild empties every table it owns
/// (its teardown) and replays the event store into them: <c>projections rebuild</c>.
/// </summary>
[Infrastructure.Hosting.Published]
public sealed class ReportProjection : ProjectionBase, IProjection
{
    public const string ProjectionName = "Reports";

    public ReportProjection()
    {
        Name = ProjectionName;
        // Larger pages when behind (a rebuild, an import): one load of the customers' fold state per page.
        Options.BatchSize = 2000;
        foreach (var type in EventTypes)
            IncludeType(type);
        Options.DeleteViewTypeOnTeardown<CustomerEpisodes>();
        foreach (var table in LapseEpisodeTable.Tables.Concat(ReportRollups.Tables).Append(RewardLiabilityTable.TableName))
            Options.DeleteDataInTableOnTeardown(table);
    }

    // The events that can change an episode row; the daemon reads no others for this projection. The store matches types
    // exactly: NonRevenueActivityRecorded and UnattributedActivityRecorded, subtypes of ActivityRecorded, are not read (only
    // activities stored before those splits are, and Shapes drops those that are not purchases or refunds).
    private static readonly Type[] EventTypes =
    [
        typeof(CustomerLapsed), typeof(MomentReached), typeof(CustomerReactivated), typeof(RewardIssued), typeof(RewardWithheld), typeof(RewardRedeemed),
        typeof(RewardRedemptionReversed), typeof(RewardExpired), typeof(RewardRevoked), typeof(ActivityRecorded),
    ];

    /// <summary>Whether the event can change an episode: manual rewards and activities other than purchases and refunds cannot.</summary>
    public static bool Shapes(object e) => e switch
    {
        RewardIssued issued => issued.EpisodeId is not null,
        ActivityRecorded activity => ActivityRecorded.IsRevenue(activity.Type),
        _ => EventTypes.Contains(e.GetType()),
    };

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        // Every ledger change, manual rewards and customers who never lapsed included: the liability report reads them all.
        RewardLiabilityTable.Write(operations, operations.TenantId, events);
        var streams = events.Where(e => Shapes(e.Data)).GroupBy(e => e.StreamKey!).ToList();
        if (streams.Count == 0)
            return;
        var known = (await operations.LoadManyAsync<CustomerEpisodes>(cancellation, streams.Select(s => s.Key)))
            .ToDictionary(c => c.Id);
        var groups = new HashSet<ReportRollups.Group>();
        foreach (var stream in streams)
        {
            var before = known.GetValueOrDefault(stream.Key)?.State;
            var state = before;
            // Only a lapse or a moment opens a customer's first episode; until then nothing of theirs reaches a report.
            foreach (var e in stream)
                if (state is not null || e.Data is CustomerLapsed or MomentReached)
                    state = Fold(state ?? new Customer { Id = stream.Key }, e);
            if (state is null)
                continue;
            operations.Store(new CustomerEpisodes { Id = stream.Key, State = state });
            foreach (var changed in LapseEpisodeTable.Write(operations, operations.TenantId, state, before))
                groups.Add(ReportRollups.Group.Of(changed));
        }
        foreach (var group in groups)
            ReportRollups.MarkDirty(operations, operations.TenantId, group);
    }

    // An event the fold refuses is named to the daemon, which parks it in its dead-letter table and goes on without it: one
    // customer's bad event never stops the reports of every tenant.
    private static Customer Fold(Customer state, IEvent e)
    {
        try
        {
            return Customer.Evolve(state, e.Data);
        }
        catch (Exception failure) when (!ProjectionExceptions.IsExceptionTransient(failure))
        {
            throw new ApplyEventException(e, failure);
        }
    }
}
