using FastEndpoints;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Features.Webhooks;

public sealed class WebhookEndpointIdRequest
{
    /// <summary>The endpoint's id (<c>we_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";
}

public sealed class GetWebhookEndpointEndpoint(WebhookEndpoints endpoints) : Endpoint<WebhookEndpointIdRequest, WebhookEndpointView>
{
    public override void Configure()
    {
        Get("/webhook-endpoints/{id}");
        Roles(ApiScopes.Admin);
        Tags("Webhooks");
        Summary(s =>
        {
            s.Summary = "Get a webhook endpoint";
            s.Description = "The endpoint and its health: failingSince while its attempts fail, and disabledReason once it was disabled.";
            s.Responses[200] = "The endpoint.";
            s.ResponseExamples[200] = WebhookEndpointView.Example;
        });
    }

    public override async Task HandleAsync(WebhookEndpointIdRequest request, CancellationToken ct) =>
        await Send.OkAsync(WebhookEndpointView.Of(await endpoints.FindAsync(HttpContext.Caller().RequireTenant(), request.Id, ct)
                                                  ?? throw ApiException.NotFound("webhook endpoint", request.Id)), ct);
}
