using FastEndpoints;
using Marten;
using WinBack.Api.Features.Stripe;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.SaveOffers;

public sealed class AcceptSaveOfferEndpoint(SaveOfferBook book, IDocumentStore store, Ids ids) : Endpoint<SaveOfferIdRequest, SaveOfferView>
{
    public override void Configure()
    {
        Post("/save-offers/{offerId}/accept");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Save offers");
        Summary(s =>
        {
            s.Summary = "Accept a save offer";
            s.Description = "The customer took the offer instead of cancelling: its reward is issued (rewardId). With a Stripe connection and a " +
                            "customer with a stripeCustomerId, a pause becomes the subscription's pause_collection (behavior void, resumes_at the " +
                            "pause end) and a trial extension moves its trial_end to the later of the current trial end and now, plus the days, " +
                            "pushed once from the Stripe outbox; otherwise the save_offer.accepted webhook carries what to apply. Accepting an " +
                            "accepted offer is refused (409 save_offer_already_accepted) and issues nothing; the same Idempotency-Key replays the first answer.";
            s.Responses[200] = "The offer, accepted.";
            s.ResponseExamples[200] = SaveOfferView.AcceptedExample;
            s.Responses[409] = "The offer was already accepted (save_offer_already_accepted), has no offer or was declined (save_offer_not_open), " +
                               "or another save was accepted since within the rule's cooldown (save_offer_capped).";
            s.ResponseExamples[409] = ProblemMapping.FromException(DomainRuleViolated.Conflict(SaveOfferDecider.AlreadyAccepted,
                "Save offer sof_01jdq3w5x8k2m9v4r7t6y1z0ah was already accepted; its reward was issued once."));
        });
    }

    public override async Task HandleAsync(SaveOfferIdRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        bool connected;
        await using (var session = store.QuerySession(tenantId))
            connected = await session.LoadAsync<StripeConnection>(StripeConnection.TheId, ct) is not null;
        var rewardId = ids.New("rwd");
        var record = await book.ChangeAsync(tenantId, request.OfferId, (customer, offer, now) =>
            SaveOfferDecider.Decide(new AcceptSaveOffer(offer.Id, rewardId, connected && customer.StripeCustomerId is not null, now), customer, offer), ct);
        await Send.OkAsync(SaveOfferView.Of(record), ct);
    }
}
