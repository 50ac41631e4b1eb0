using JasperFx.Events;
using Marten.Events.Aggregation;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Common;
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
    public CustomerSummaryProjection()
    {
        foreach (var type in DomainEvents.Of<ICustomerEvent>())
            IncludeType(type);
    }

    public override CustomerSummary Evolve(CustomerSummary? snapshot, string id, IEvent e) =>
        new() { Id = id, State = Customer.Evolve(snapshot?.State, e.Data), Version = e.Version };
}
