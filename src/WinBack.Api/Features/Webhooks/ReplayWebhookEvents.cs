using FastEndpoints;
using FluentValidation;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Webhooks;

public sealed class ReplayWebhookEventsRequest
{
    /// <summary>The endpoint's id (<c>we_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";

    /// <summary>Events that happened at or after this time (their createdAt) are sent again.</summary>
    public DateTimeOffset? Since { get; set; }
}

public sealed class ReplayWebhookEventsValidator : Validator<ReplayWebhookEventsRequest>
{
    public ReplayWebhookEventsValidator() => RuleFor(x => x.Since).NotNull().WithinDateRange();
}

/// <param name="Replayed">How many events were queued again for the endpoint.</param>
public sealed record ReplayView(string EndpointId, DateTimeOffset Since, int Replayed);

public sealed class ReplayWebhookEventsEndpoint(WebhookEndpoints endpoints, WebhookDeliveries deliveries, WebhookSignal signal)
    : Endpoint<ReplayWebhookEventsRequest, ReplayView>
{
    public override void Configure()
    {
        Post("/webhook-endpoints/{id}/replay");
        Roles(ApiScopes.Admin);
        Tags("Webhooks");
        Summary(s =>
        {
            s.Summary = "Replay events to an endpoint";
            s.Description = "Queues again every event since the given time that the endpoint subscribes to, as new deliveries with " +
                            "the original ids and bodies (receivers deduplicate by webhook-id), in each customer's order. Use it " +
                            "after an outage, or after enabling a disabled endpoint. The worker sends them.";
            s.ExampleRequest = new ReplayWebhookEventsRequest { Since = DateTimeOffset.Parse("2026-11-20T00:00:00Z") };
            s.Responses[202] = "How many events were queued.";
            s.ResponseExamples[202] = new ReplayView("we_01jdq3w5x8k2m9v4r7t6y1z0ae", DateTimeOffset.Parse("2026-11-20T00:00:00Z"), 42);
        });
    }

    public override async Task HandleAsync(ReplayWebhookEventsRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var endpoint = await endpoints.FindAsync(tenantId, request.Id, ct) ?? throw ApiException.NotFound("webhook endpoint", request.Id);
        var replayed = await deliveries.ReplayAsync(tenantId, endpoint, request.Since!.Value, ct);
        signal.Wake();
        await Send.ResponseAsync(new ReplayView(endpoint.Id, request.Since.Value, replayed), StatusCodes.Status202Accepted, ct);
    }
}
