using FastEndpoints;
using WinBack.Api.Infrastructure.Auth;

namespace WinBack.Api.Features.SaveOffers;

public sealed class SaveOfferIdRequest
{
    /// <summary>The save offer's id (<c>sof_…</c>).</summary>
    [RouteParam]
    public string OfferId { get; set; } = "";
}

public sealed class GetSaveOfferEndpoint(SaveOfferBook book) : Endpoint<SaveOfferIdRequest, SaveOfferView>
{
    public override void Configure()
    {
        Get("/save-offers/{offerId}");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Save offers");
        Summary(s =>
        {
            s.Summary = "Get a save offer";
            s.Description = "What was offered at the cancel attempt (or why nothing was), the answer, and whether the save was validated 30 days on.";
            s.Responses[200] = "The save offer.";
            s.ResponseExamples[200] = SaveOfferView.AcceptedExample;
        });
    }

    public override async Task HandleAsync(SaveOfferIdRequest request, CancellationToken ct) =>
        await Send.OkAsync(SaveOfferView.Of(await book.FindAsync(HttpContext.Caller().RequireTenant(), request.OfferId, ct)), ct);
}
