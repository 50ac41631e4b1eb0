using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Engine;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.SaveOffers;

public sealed class PresentSaveOfferRequest
{
    /// <summary>Your own id for the customer.</summary>
    [RouteParam]
    public string CustomerId { get; set; } = "";
    /// <summary>Why the customer wants to cancel, as a churn-reason code: too_expensive, bad_experience, too_complex, forgot, switched, missing_features, other, or Stripe's cancellation feedback values customer_service, low_quality, switched_service, unused.</summary>
    /// <example>too_expensive</example>
    public ChurnReason? Reason { get; set; }
    /// <summary>The subscription the customer wants to cancel (Stripe's sub_… id when Stripe bills it), up to 255 characters.</summary>
    /// <example>sub_1Pgc76B7WZ01zgkW</example>
    public string? SubscriptionId { get; set; }
}

public sealed class PresentSaveOfferValidator : Validator<PresentSaveOfferRequest>
{
    public PresentSaveOfferValidator()
    {
        RuleFor(x => x.Reason).NotNull();
        RuleFor(x => x.SubscriptionId).NotEmpty().MaximumLength(255);
    }
}

public sealed class PresentSaveOfferEndpoint(IDocumentStore store, CustomerEventWriter writer, TenantClock clock, Ids ids)
    : Endpoint<PresentSaveOfferRequest, SaveOfferView>
{
    public override void Configure()
    {
        Post("/customers/{customerId}/save-offers");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Save offers");
        Summary(s =>
        {
            s.Summary = "Ask for a save offer at a cancel attempt";
            s.Description = "Call it from your cancel flow before you confirm the cancellation. The offer comes from the highest-priority active " +
                            "rule with the trigger {\"type\":\"cancellation_intent\"} whose eligibility (churnReasons, lifetime value, orders, " +
                            "attributes) matches the customer and the reason given. Show offer if it is not null; a customer in the rule's " +
                            "holdout gets \"holdout\": true and no offer (and is followed for comparison), and a guard rail can withhold it " +
                            "(withheld: cooldown when a save was accepted within the rule's cooldown, counted from the end of its pause or trial " +
                            "extension, or its accept; per_customer_cap; budget). One offer per cancel attempt: while an offer for the " +
                            "subscription awaits an answer, asking again returns it (200). An unknown reason code is a 400.";
            s.ExampleRequest = new PresentSaveOfferRequest { Reason = ChurnReason.TooExpensive, SubscriptionId = "sub_1Pgc76B7WZ01zgkW" };
            s.Responses[201] = "The answer: an offer, or none with its reason.";
            s.ResponseExamples[201] = SaveOfferView.Example;
            s.Responses[200] = "The offer already awaiting an answer for this subscription.";
            s.ResponseExamples[200] = SaveOfferView.Example;
        });
    }

    public override async Task HandleAsync(PresentSaveOfferRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var now = await clock.NowAsync(tenantId, ct);
        IReadOnlyList<ActiveRule> rules;
        await using (var session = store.QuerySession(tenantId))
        {
            // Customers are never deleted, so one seen here is still there when the write is decided.
            _ = await CustomerSummaries.LoadAsync(session, request.CustomerId, ct) ?? throw ApiException.NotFound("customer", request.CustomerId);
            rules = await LapseSweep.ActiveRulesAsync(session, now, ct, TriggerType.CancellationIntent);
        }
        var command = new PresentSaveOffer(tenantId, ids.New("sof"), request.SubscriptionId!, request.Reason!.Value, rules, now);
        var written = await writer.WriteAsync(new CustomerEventWrite(tenantId, request.CustomerId, current => SaveOfferDecider.Decide(command, current!)));
        var offer = written.Customer!.SaveOffer(command.OfferId)
                    ?? written.Customer.SaveOffers.Last(o => o.Status == SaveOfferStatus.Presented && o.Presented.SubscriptionId == command.SubscriptionId);
        await using var read = store.QuerySession(tenantId);
        var record = await read.LoadAsync<SaveOfferRecord>(offer.Id, ct) ?? throw ApiException.NotFound("save offer", offer.Id);
        await Send.ResponseAsync(SaveOfferView.Of(record), written.Events.Count > 0 ? StatusCodes.Status201Created : StatusCodes.Status200OK, ct);
    }
}
