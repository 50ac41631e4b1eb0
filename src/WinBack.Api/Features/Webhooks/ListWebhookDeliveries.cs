using FastEndpoints;
using FluentValidation;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.OpenApi;

namespace WinBack.Api.Features.Webhooks;

public sealed class ListWebhookDeliveriesRequest : PageRequest
{
    /// <summary>The endpoint's id (<c>we_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";

    /// <summary>Only deliveries in this state: pending, succeeded or failed.</summary>
    [QueryParam]
    public string? Status { get; set; }
}

public sealed class ListWebhookDeliveriesValidator : Validator<ListWebhookDeliveriesRequest>
{
    public ListWebhookDeliveriesValidator()
    {
        this.AddPagingRules(WebhookDeliveries.IsId, $"a delivery id ({WebhookDeliveries.IdPrefix}…)", new SchemaFacts(Pattern: "^wd_[0-9a-f]{32}$"));
        RuleFor(x => x.Status).Must(s => WebhookDeliveryView.Statuses.Contains(s!), DocumentedRules.OneOf(WebhookDeliveryView.Statuses))
            .When(x => x.Status is not null)
            .WithMessage("'status' must be pending, succeeded or failed.");
    }
}

public sealed class ListWebhookDeliveriesEndpoint(WebhookEndpoints endpoints, WebhookDeliveries deliveries)
    : Endpoint<ListWebhookDeliveriesRequest, Page<WebhookDeliveryView>>
{
    public override void Configure()
    {
        Get("/webhook-endpoints/{id}/deliveries");
        Roles(ApiScopes.Admin);
        Tags("Webhooks");
        Summary(s =>
        {
            s.Summary = "List an endpoint's deliveries";
            s.Description = "Newest first, each with every attempt: when, the status code, the latency and the start of the answer. " +
                            "A failing delivery is retried 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each attempt (plus up to " +
                            "10% jitter), then marked failed. A customer's later events wait while one of theirs is pending.";
            s.Responses[200] = "A page of deliveries.";
            s.ResponseExamples[200] = new Page<WebhookDeliveryView>([WebhookDeliveryView.Example], HasMore: false);
        });
    }

    public override async Task HandleAsync(ListWebhookDeliveriesRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        if (await endpoints.FindAsync(tenantId, request.Id, ct) is null)
            throw ApiException.NotFound("webhook endpoint", request.Id);
        var limit = request.Limit ?? Paging.DefaultLimit;
        var rows = await deliveries.ListAsync(tenantId, request.Id, request.Status, request.StartingAfter, limit + 1, ct);
        await Send.OkAsync(Paging.PageOf(rows, request), ct);
    }
}
