using FastEndpoints;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Webhooks;

public sealed class ListWebhookEndpointsRequest : PageRequest;

public sealed class ListWebhookEndpointsValidator : Validator<ListWebhookEndpointsRequest>
{
    public ListWebhookEndpointsValidator() => this.AddPagingRules("we");
}

public sealed class ListWebhookEndpointsEndpoint(WebhookEndpoints endpoints) : Endpoint<ListWebhookEndpointsRequest, Page<WebhookEndpointView>>
{
    public override void Configure()
    {
        Get("/webhook-endpoints");
        Roles(ApiScopes.Admin);
        Tags("Webhooks");
        Summary(s =>
        {
            s.Summary = "List webhook endpoints";
            s.Description = "This tenant's endpoints, newest first. Secrets are never listed.";
            s.Responses[200] = "A page of endpoints.";
            s.ResponseExamples[200] = new Page<WebhookEndpointView>([WebhookEndpointView.Example], HasMore: false);
        });
    }

    public override async Task HandleAsync(ListWebhookEndpointsRequest request, CancellationToken ct)
    {
        var limit = request.Limit ?? Paging.DefaultLimit;
        var rows = await endpoints.ListAsync(HttpContext.Caller().RequireTenant(), request.StartingAfter, limit + 1, ct);
        await Send.OkAsync(Paging.PageOf(rows.Select(WebhookEndpointView.Of), request), ct);
    }
}
