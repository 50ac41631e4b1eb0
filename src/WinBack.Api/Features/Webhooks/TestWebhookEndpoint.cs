using FastEndpoints;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Webhooks;

public sealed class TestWebhookEndpointEndpoint(WebhookDeliveries deliveries, TenantClock clock, Ids ids, WebhookSignal signal)
    : Endpoint<WebhookEndpointIdRequest, WebhookDeliveryView>
{
    public override void Configure()
    {
        Post("/webhook-endpoints/{id}/test");
        Roles(ApiScopes.Admin);
        Tags("Webhooks");
        Summary(s =>
        {
            s.Summary = "Send a ping to a webhook endpoint";
            s.Description = "Queues a signed ping event ({\"endpointId\": …} as data) for this endpoint and answers at once; the worker " +
                            "sends it within a second, ahead of this tenant's other queued deliveries (not of other tenants'). Follow its " +
                            "outcome in GET /v1/webhook-endpoints/{id}/deliveries. Pings are " +
                            "not listed in GET /v1/events.";
            s.Responses[202] = "The ping's delivery, queued.";
            s.ResponseExamples[202] = WebhookDeliveryView.Example with
            {
                EventType = "ping", CustomerId = null, Status = "pending", Attempts = 0, NextAttemptAt = null, LastAttemptAt = null,
                LastStatusCode = null, LastError = null, AttemptLog = [],
            };
        });
    }

    public override async Task HandleAsync(WebhookEndpointIdRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var delivery = await deliveries.PingAsync(tenantId, request.Id, ids.New("evt"), await clock.NowAsync(tenantId, ct), ct)
                       ?? throw ApiException.NotFound("webhook endpoint", request.Id);
        signal.Wake();
        await Send.ResponseAsync(delivery, StatusCodes.Status202Accepted, ct);
    }
}
