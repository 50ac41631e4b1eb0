using JasperFx.Events;
using Marten.Events.Aggregation;
using Marten;
using WinBack.Api.Features.Reports;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

/// <summary>
/// Read model of one customer, kept by an inline projection in the same transaction as the events.
/// Its columns are indexed for the lapse sweep: (tenant, status, last activity).
/// </summary>
[Published]
public sealed class CustomerSummary : IHasId
{
    public required string Id { get; init; }
    public required Customer State { get; init; }
    /// <summary>The stream version this state folds up to; writers append expecting it.</summary>
    public long Version { get; init; }
}

public sealed class CustomerSummaryProjection : SingleStreamProjection<CustomerSummary, string>
{
    public CustomerSummaryProjection() => IncludeType<ICustomerEvent>();

    public override CustomerSummary Evolve(CustomerSummary? snapshot, string id, IEvent e) =>
        new() { Id = id, State = Customer.Evolve(snapshot?.State, e.Data), Version = e.Version };

    // The report rows of the customer's episodes, in the same transaction (inline side effects are switched on in
    // MartenSetup). Only events that can change an episode rewrite them.
    public override ValueTask RaiseSideEffects(IDocumentOperations operations, IEventSlice<CustomerSummary> slice)
    {
        if (slice.Snapshot is { State.Episodes.Count: > 0 } summary && slice.Events().Any(e => ChangesEpisodes(e.Data)))
            LapseEpisodeTable.Write(operations, operations.TenantId, summary.State);
        return ValueTask.CompletedTask;
    }

    private static bool ChangesEpisodes(object e) => e is CustomerLapsed or CustomerReactivated or RewardIssued or RewardWithheld
        or RewardRedeemed or RewardRedemptionReversed or RewardExpired or RewardRevoked
        or ActivityRecorded { Type: ActivityType.Purchase or ActivityType.Refund };
}
