using JasperFx.Events;
using Marten.Events.Aggregation;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Common;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

/// <summary>Read model of one rule, kept by an inline projection in the same transaction as its events.</summary>
[Published]
public sealed class RuleSummary : IHasId
{
    public required string Id { get; init; }
    public required Rule State { get; init; }
}

public sealed class RuleSummaryProjection : SingleStreamProjection<RuleSummary, string>
{
    public RuleSummaryProjection()
    {
        foreach (var type in DomainEvents.Of<IRuleEvent>())
            IncludeType(type);
    }

    public override RuleSummary Evolve(RuleSummary? snapshot, string id, IEvent e) =>
        new() { Id = id, State = Rule.Evolve(snapshot?.State, e.Data) };
}
