using FastEndpoints;
using FluentValidation;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Tenants;
using WinBack.Api.Infrastructure.OpenApi;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Features.Webhooks;

public sealed class UpdateWebhookEndpointRequest
{
    /// <summary>The endpoint's id (<c>we_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";
    /// <summary>A new URL; the same rules as on creation.</summary>
    public string? Url { get; set; }
    /// <summary>The event types to receive from now on, or <c>["*"]</c>.</summary>
    [WireValues("WebhookEventSubscription", typeof(WebhookEventTypes), nameof(WebhookEventTypes.Subscriptions))]
    public List<string>? Events { get; set; }
    public string? Description { get; set; }
    /// <summary>
    /// False stops deliveries: new events are not queued for it, and queued ones wait. True resumes the waiting ones and
    /// clears a disable for failures; replay what happened in between with POST /v1/webhook-endpoints/{id}/replay.
    /// </summary>
    public bool? Enabled { get; set; }
}

public sealed class UpdateWebhookEndpointValidator : Validator<UpdateWebhookEndpointRequest>
{
    public UpdateWebhookEndpointValidator()
    {
        RuleFor(x => x.Url).UrlRules().When(x => x.Url is not null);
        RuleFor(x => x.Events).EventRules().When(x => x.Events is not null);
        RuleFor(x => x.Description).MaximumLength(200);
    }
}

public sealed class UpdateWebhookEndpointEndpoint(WebhookEndpoints endpoints, WebhookTarget target, TimeProvider wall)
    : Endpoint<UpdateWebhookEndpointRequest, WebhookEndpointView>
{
    public override void Configure()
    {
        Patch("/webhook-endpoints/{id}");
        Roles(ApiScopes.Admin);
        Tags("Webhooks");
        Summary(s =>
        {
            s.Summary = "Change a webhook endpoint";
            s.Description = "Changes the fields given and leaves the others. Enabling a disabled endpoint resumes its queued deliveries.";
            s.ExampleRequest = new UpdateWebhookEndpointRequest { Enabled = true };
            s.Responses[200] = "The endpoint as it is now.";
            s.ResponseExamples[200] = WebhookEndpointView.Example;
        });
    }

    public override async Task HandleAsync(UpdateWebhookEndpointRequest request, CancellationToken ct)
    {
        var caller = HttpContext.Caller();
        if (request.Url is { } url && await target.CheckAsync(url, caller.Mode == TenantMode.Live, ct) is { } refused)
            throw new ApiException(ProblemMapping.FromValidation([refused], StatusCodes.Status400BadRequest));
        var updated = await endpoints.UpdateAsync(caller.RequireTenant(), request.Id, request.Url, request.Events?.Distinct().ToList(),
                          request.Description, request.Enabled, wall.GetUtcNow(), ct)
                      ?? throw ApiException.NotFound("webhook endpoint", request.Id);
        await Send.OkAsync(WebhookEndpointView.Of(updated), ct);
    }
}
