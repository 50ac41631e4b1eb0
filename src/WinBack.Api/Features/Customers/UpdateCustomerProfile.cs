using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Features.Risk;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Customers;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Customers;

public sealed class UpdateCustomerProfileRequest
{
    /// <summary>Your own id for the customer; the customer is created on first sight.</summary>
    [RouteParam]
    public string CustomerId { get; set; } = "";
    /// <summary>Where the win-back messages go. Null removes it.</summary>
    public string? Email { get; set; }
    /// <summary>The customer's id in your Stripe account (cus_…). Null removes it.</summary>
    public string? StripeCustomerId { get; set; }
    /// <summary>Segmentation attributes such as acquisition channel and segment tags; up to 50. Replaces the previous set.</summary>
    public Dictionary<string, string>? Attributes { get; set; }
    /// <summary>The customer's birthday, MM-DD or YYYY-MM-DD (a real date; 02-29 is allowed and falls on 28 February in other years). Birthday rules read it. Null removes it.</summary>
    /// <example>1990-07-14</example>
    public string? Birthday { get; set; }
}

public sealed class UpdateCustomerProfileValidator : Validator<UpdateCustomerProfileRequest>
{
    public UpdateCustomerProfileValidator()
    {
        RuleFor(x => x.CustomerId).Must(CustomerIds.IsValid, DocumentedRules.CustomerId).WithMessage(CustomerIds.Rule);
        this.AddProfileRules(x => x.Email, x => x.StripeCustomerId, x => x.Attributes);
        RuleFor(x => x.Birthday).Must(Birthday.IsValid).WithMessage(Birthday.Rule);
    }
}

public sealed class UpdateCustomerProfileEndpoint(CustomerEventWriter writer, IQuerySession session, TenantClock clock, CustomerRisks risks)
    : Endpoint<UpdateCustomerProfileRequest, CustomerView>
{
    public override void Configure()
    {
        Put("/customers/{customerId}");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Customers");
        Summary(s =>
        {
            s.Summary = "Set a customer's profile";
            s.Description = "Sets email, Stripe customer id, attributes and birthday, replacing what was there (a field left out becomes " +
                            "null or empty). Creates the customer if WinBack has not seen them yet. A profile update is not an activity. " +
                            "The Stripe customer id says where credits go: an ingest key may set it while the customer has none, " +
                            "and must otherwise send it unchanged; changing or removing it takes an admin key (403 insufficient_scope).";
            s.ExampleRequest = new UpdateCustomerProfileRequest
            {
                Email = "ada@example.com", StripeCustomerId = "cus_Q1w2E3r4T5y6U7",
                Attributes = new Dictionary<string, string> { ["channel"] = "web", ["segment"] = "vip" }, Birthday = "1990-07-14",
            };
            s.Responses[200] = "The customer after the update.";
            s.ResponseExamples[200] = CustomerView.Example;
            s.Responses[403] = "The key's scope does not allow this, or an ingest key tried to change a Stripe customer id that is set.";
            s.ResponseExamples[403] = ProfileRules.StripeIdNeedsAdmin;
        });
    }

    public override async Task HandleAsync(UpdateCustomerProfileRequest request, CancellationToken ct)
    {
        var caller = HttpContext.Caller();
        var tenantId = caller.RequireTenant();
        var updated = CustomerDecider.Decide(new UpdateProfile(request.CustomerId, request.Email, request.StripeCustomerId,
            request.Attributes ?? new Dictionary<string, string>(), await clock.NowAsync(tenantId, ct), request.Birthday));
        var mayRepoint = caller.Scope == ApiScopes.Admin;
        if (!mayRepoint && ProfileRules.RepointsStripeCustomer((await CustomerSummaries.LoadAsync(session, request.CustomerId, ct))?.State, request.StripeCustomerId))
            throw new ApiException(ProfileRules.StripeIdNeedsAdmin);
        // Checked again on the state the write decides on, so that two concurrent first settings cannot both pass.
        await writer.WriteAsync(new CustomerEventWrite(tenantId, request.CustomerId,
            current => mayRepoint || !ProfileRules.RepointsStripeCustomer(current, request.StripeCustomerId) ? [updated] : throw new ApiException(ProfileRules.StripeIdNeedsAdmin)));
        var summary = await CustomerSummaries.LoadAsync(session, request.CustomerId, ct);
        await Send.OkAsync(CustomerView.Of(summary!, await risks.ScoreAsync(tenantId, request.CustomerId, ct)), ct);
    }
}
