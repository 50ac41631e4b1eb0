using FastEndpoints;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.SaveOffers;

public sealed class DeclineSaveOfferEndpoint(SaveOfferBook book) : Endpoint<SaveOfferIdRequest, SaveOfferView>
{
    public override void Configure()
    {
        Post("/save-offers/{offerId}/decline");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Save offers");
        Summary(s =>
        {
            s.Summary = "Decline a save offer";
            s.Description = "The customer refused the offer (the cancel flow goes on to cancel). Recorded for the saves report; declining again changes nothing.";
            s.Responses[200] = "The offer, declined.";
            s.ResponseExamples[200] = SaveOfferView.Example with { Status = SaveOfferStatus.Declined, DeclinedAt = SaveOfferView.Example.PresentedAt.AddMinutes(1) };
            s.Responses[409] = "The offer was accepted (save_offer_already_accepted), or had no offer (save_offer_not_open).";
            s.ResponseExamples[409] = ProblemMapping.FromException(DomainRuleViolated.Conflict(SaveOfferDecider.AlreadyAccepted,
                "Save offer sof_01jdq3w5x8k2m9v4r7t6y1z0ah was already accepted."));
        });
    }

    public override async Task HandleAsync(SaveOfferIdRequest request, CancellationToken ct)
    {
        var record = await book.ChangeAsync(HttpContext.Caller().RequireTenant(), request.OfferId, (customer, offer, now) =>
            SaveOfferDecider.Decide(new DeclineSaveOffer(offer.Id, now), customer, offer), ct);
        await Send.OkAsync(SaveOfferView.Of(record), ct);
    }
}
