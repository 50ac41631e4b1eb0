using FastEndpoints;
using FluentValidation;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Tenants;
using WinBack.Domain.Webhooks;
using WinBack.Api.Infrastructure.OpenApi;

namespace WinBack.Api.Features.Webhooks;

public sealed class CreateWebhookEndpointRequest
{
    /// <summary>Where events are POSTed. Live tenants need https; loopback, link-local and private addresses are refused.</summary>
    /// <example>https://mail.example.com/hooks/winback</example>
    public string? Url { get; set; }
    /// <summary>The event types to receive, or <c>["*"]</c> for all of them.</summary>
    [WireValues("WebhookEventSubscription", typeof(WebhookEventTypes), nameof(WebhookEventTypes.Subscriptions))]
    public List<string>? Events { get; set; }
    /// <summary>A note for people, such as what the receiver does.</summary>
    public string? Description { get; set; }
}

public sealed class CreateWebhookEndpointValidator : Validator<CreateWebhookEndpointRequest>
{
    public CreateWebhookEndpointValidator()
    {
        RuleFor(x => x.Url).NotEmpty().UrlRules();
        RuleFor(x => x.Events).NotNull().EventRules();
        RuleFor(x => x.Description).MaximumLength(200);
    }
}

public sealed class CreateWebhookEndpointEndpoint(WebhookEndpoints endpoints, WebhookSecrets secrets, WebhookTarget target, Ids ids, TimeProvider wall)
    : Endpoint<CreateWebhookEndpointRequest, WebhookEndpointWithSecretView>
{
    public override void Configure()
    {
        Post("/webhook-endpoints");
        Options(b => b.WithMetadata(CarriesSecret.Metadata));
        Roles(ApiScopes.Admin);
        Tags("Webhooks");
        Summary(s =>
        {
            s.Summary = "Create a webhook endpoint";
            s.Description = "Registers a receiver for this tenant's events. The response holds the signing secret (whsec_…), shown only " +
                            "now. Every delivery is signed per the Standard Webhooks specification (webhook-id, webhook-timestamp, " +
                            "webhook-signature). Events committed from now on are delivered; earlier ones can be replayed.";
            s.ExampleRequest = new CreateWebhookEndpointRequest
            {
                Url = "https://mail.example.com/hooks/winback", Events = ["reward.issued", "reward.expiring_soon"], Description = "win-back mails",
            };
            s.Responses[201] = "The endpoint, with its secret.";
            s.ResponseExamples[201] = WebhookEndpointWithSecretView.Example;
        });
    }

    public override async Task HandleAsync(CreateWebhookEndpointRequest request, CancellationToken ct)
    {
        var caller = HttpContext.Caller();
        if (await target.CheckAsync(request.Url!, caller.Mode == TenantMode.Live, ct) is { } refused)
            throw new ApiException(ProblemMapping.FromValidation([refused], StatusCodes.Status400BadRequest));
        var now = wall.GetUtcNow();
        var secret = WebhookSecret.New();
        var endpoint = new WebhookEndpoint(ids.New("we"), request.Url!, request.Description, request.Events!.Distinct().ToList(), true,
            secrets.Protect(secret), null, null, now, now, null, null, null);
        await endpoints.InsertAsync(caller.RequireTenant(), endpoint, ct);
        await Send.ResponseAsync(WebhookEndpointWithSecretView.Of(endpoint, secret), StatusCodes.Status201Created, ct);
    }
}
