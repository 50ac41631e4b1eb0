using FastEndpoints;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Features.Webhooks;

public sealed class RetryWebhookDeliveryRequest
{
    /// <summary>The delivery's id (<c>wd_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";
}

public sealed class RetryWebhookDeliveryEndpoint(WebhookDeliveries deliveries, TimeProvider wall, WebhookSignal signal)
    : Endpoint<RetryWebhookDeliveryRequest, WebhookDeliveryView>
{
    public override void Configure()
    {
        Post("/webhook-deliveries/{id}/retry");
        Roles(ApiScopes.Admin);
        Tags("Webhooks");
        Summary(s =>
        {
            s.Summary = "Retry a delivery now";
            s.Description = "Sends the delivery again as soon as the worker gets to it (within a second), with the same webhook-id and " +
                            "body: a failed delivery gets one more attempt, a pending one is tried now instead of at its next " +
                            "retry, and a succeeded one is sent once more. The customer's earlier pending events still go first.";
            s.Responses[202] = "The delivery, queued.";
            s.ResponseExamples[202] = WebhookDeliveryView.Example with { NextAttemptAt = DateTimeOffset.Parse("2026-11-24T09:06:00Z") };
        });
    }

    public override async Task HandleAsync(RetryWebhookDeliveryRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var delivery = WebhookDeliveries.IsId(request.Id)
            ? await deliveries.RetryAsync(tenantId, request.Id, wall.GetUtcNow(), ct)
            : null;
        if (delivery is null)
            throw ApiException.NotFound("webhook delivery", request.Id);
        signal.Wake();
        await Send.ResponseAsync(delivery, StatusCodes.Status202Accepted, ct);
    }
}
