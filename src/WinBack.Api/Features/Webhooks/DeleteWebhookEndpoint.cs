using FastEndpoints;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Features.Webhooks;

public sealed class DeleteWebhookEndpointEndpoint(WebhookEndpoints endpoints) : Endpoint<WebhookEndpointIdRequest>
{
    public override void Configure()
    {
        Delete("/webhook-endpoints/{id}");
        Roles(ApiScopes.Admin);
        Tags("Webhooks");
        Summary(s =>
        {
            s.Summary = "Delete a webhook endpoint";
            s.Description = "Removes the endpoint with its queued deliveries and their log. Events stay listed in GET /v1/events.";
            s.Responses[204] = "Deleted.";
        });
    }

    public override async Task HandleAsync(WebhookEndpointIdRequest request, CancellationToken ct)
    {
        if (!await endpoints.DeleteAsync(HttpContext.Caller().RequireTenant(), request.Id, ct))
            throw ApiException.NotFound("webhook endpoint", request.Id);
        await Send.NoContentAsync(ct);
    }
}
