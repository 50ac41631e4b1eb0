using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.SaveOffers;

/// <summary>
/// One save offer as its events left it: where it lives (its customer stream), what it offered and what became of it. Kept by an
/// inline projection, so it commits with the events; the API reads offers by id from here, the validation job finds due saves by
/// <see cref="ValidatesAt"/>, and the saves report sums these.
/// </summary>
public sealed class SaveOfferRecord : IHasId
{
    public required string Id { get; init; }
    public required string CustomerId { get; init; }
    public required string SubscriptionId { get; init; }
    public ChurnReason Reason { get; init; }
    public string? RuleId { get; init; }
    public int? RuleVersion { get; init; }
    public string? Variant { get; init; }
    public RewardSpec? Offer { get; init; }
    public WithheldReason? Withheld { get; init; }
    public SaveOfferStatus Status { get; set; }
    public DateTimeOffset PresentedAt { get; init; }
    public string? RewardId { get; set; }
    public DateTimeOffset? AcceptedAt { get; set; }
    public DateTimeOffset? EndsAt { get; set; }
    /// <summary>When the outcome is due: set for accepted offers and the holdout, cleared once settled (saved or lost).</summary>
    public DateTimeOffset? ValidatesAt { get; set; }
    public DateTimeOffset? DeclinedAt { get; set; }
    public DateTimeOffset? SettledAt { get; set; }
    public bool PushedToStripe { get; set; }
    public IReadOnlyDictionary<string, long> RevenueKept { get; set; } = new Dictionary<string, long>();
}

/// <summary>Inline: a save offer's record follows its events (grouped by offer id across the customer stream) in their transaction.</summary>
public sealed class SaveOfferRecordProjection : MultiStreamProjection<SaveOfferRecord, string>
{
    public SaveOfferRecordProjection()
    {
        Identity<ISaveOfferEvent>(e => e.OfferId);
        foreach (var type in DomainEvents.Of<ISaveOfferEvent>())
            IncludeType(type);
    }

    public override SaveOfferRecord? Evolve(SaveOfferRecord? snapshot, string id, IEvent e) => Fold(snapshot, e.Data);

    /// <summary>The record after one of the offer's events.</summary>
    public static SaveOfferRecord? Fold(SaveOfferRecord? record, object e)
    {
        switch (e)
        {
            case SaveOfferPresented p:
                var status = SaveOfferState.Of(p, new Dictionary<string, long>()).Status;
                return new SaveOfferRecord
                {
                    Id = p.OfferId, CustomerId = p.CustomerId, SubscriptionId = p.SubscriptionId, Reason = p.Reason, RuleId = p.RuleId,
                    RuleVersion = p.RuleVersion, Variant = p.Variant, Offer = p.Offer, Withheld = p.Withheld, Status = status,
                    PresentedAt = p.PresentedAt,
                    ValidatesAt = status == SaveOfferStatus.Holdout ? p.PresentedAt.AddDays(SaveOfferDecider.ValidationDays) : null,
                };
            case SaveOfferAccepted a when record is not null:
                (record.Status, record.RewardId, record.AcceptedAt, record.EndsAt, record.ValidatesAt, record.PushedToStripe) =
                    (SaveOfferStatus.Accepted, a.RewardId, a.AcceptedAt, a.EndsAt, a.ValidatesAt, a.PushedToStripe);
                return record;
            case SaveOfferDeclined d when record is not null:
                (record.Status, record.DeclinedAt) = (SaveOfferStatus.Declined, d.DeclinedAt);
                return record;
            case SaveOfferValidated v when record is not null:
                (record.Status, record.SettledAt, record.ValidatesAt, record.RevenueKept) = (SaveOfferStatus.Saved, v.ValidatedAt, null, v.RevenueKept);
                return record;
            case SaveOfferLost l when record is not null:
                (record.Status, record.SettledAt, record.ValidatesAt) = (SaveOfferStatus.Lost, l.CancelledAt, null);
                return record;
            default:
                return record;
        }
    }

    public static void Configure(StoreOptions options)
    {
        options.Projections.Add<SaveOfferRecordProjection>(JasperFx.Events.Projections.ProjectionLifecycle.Inline);
        options.Schema.For<SaveOfferRecord>().Duplicate(x => x.ValidatesAt).Duplicate(x => x.CustomerId);
    }
}
