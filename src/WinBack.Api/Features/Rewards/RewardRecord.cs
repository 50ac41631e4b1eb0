using Marten;
using Marten.Events.Projections;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Rewards;

/// <summary>
/// Where a reward lives (its customer stream), plus the columns the engine queries: expiry for the expiry run,
/// rule and credit for budgets. Written once, when the reward is issued; the reward's state is on the stream.
/// </summary>
public sealed class RewardRecord : IHasId
{
    public required string Id { get; init; }
    public required string CustomerId { get; init; }
    public string? RuleId { get; init; }
    /// <summary>Account credit issued, in minor units; 0 for rewards without a money value.</summary>
    public long Amount { get; init; }
    public string? Currency { get; init; }
    public required DateTimeOffset IssuedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>Where a redemption lives, so that a reversal can name only the redemption.</summary>
public sealed class RedemptionRecord : IHasId
{
    public required string Id { get; init; }
    public required string CustomerId { get; init; }
    public required string RewardId { get; init; }
}

/// <summary>Inline, insert-only: the records commit with the events that create them, and never need an update.</summary>
public sealed partial class RewardRecordProjection : EventProjection
{
    public void Project(RewardIssued e, IDocumentOperations ops) => ops.Store(new RewardRecord
    {
        Id = e.RewardId, CustomerId = e.CustomerId, RuleId = e.RuleId, Amount = e.Amount ?? 0, Currency = e.Currency,
        IssuedAt = e.IssuedAt, ExpiresAt = e.ExpiresAt,
    });

    public void Project(RewardRedeemed e, IDocumentOperations ops) =>
        ops.Store(new RedemptionRecord { Id = e.RedemptionId, CustomerId = e.CustomerId, RewardId = e.RewardId });

    public static void Configure(StoreOptions options)
    {
        options.Projections.Add<RewardRecordProjection>(JasperFx.Events.Projections.ProjectionLifecycle.Inline);
        options.Schema.For<RewardRecord>()
            .Duplicate(x => x.ExpiresAt)
            .Duplicate(x => x.RuleId!);
        options.Schema.For<RedemptionRecord>();
        options.Schema.For<ExpiryCursor>();
    }
}
