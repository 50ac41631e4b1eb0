using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;

namespace WinBack.Api.Features.Stripe;

public sealed class GetStripeConnectionEndpoint(IQuerySession session) : EndpointWithoutRequest<StripeConnectionView>
{
    public override void Configure()
    {
        Get("/integrations/stripe");
        Roles(ApiScopes.Admin);
        Tags("Stripe");
        Summary(s =>
        {
            s.Summary = "Stripe connection status";
            s.Description = "Whether this tenant is connected, with its secrets masked, and the webhook URL to register in Stripe.";
            s.Responses[200] = "The status.";
            s.ResponseExamples[200] = StripeConnectionView.Example;
        });
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.OkAsync(StripeConnectionView.Of(await session.LoadAsync<StripeConnection>(StripeConnection.TheId, ct),
            HttpContext.Caller().RequireTenant()), ct);
}

public sealed class DisconnectStripeEndpoint(IDocumentSession session) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Delete("/integrations/stripe");
        Roles(ApiScopes.Admin);
        Tags("Stripe");
        Summary(s =>
        {
            s.Summary = "Disconnect Stripe";
            s.Description = "Forgets both secrets. Rewards stay in WinBack's ledger; nothing more is pushed to Stripe, and Stripe's " +
                            "webhooks to this tenant are refused (400) until it connects again. Disconnecting twice changes nothing.";
            s.Responses[204] = "Disconnected.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        session.Delete<StripeConnection>(StripeConnection.TheId);
        await session.SaveChangesAsync(ct);
        await Send.NoContentAsync(ct);
    }
}
