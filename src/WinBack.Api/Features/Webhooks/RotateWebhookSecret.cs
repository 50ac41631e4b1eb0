using FastEndpoints;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Features.Webhooks;

public sealed class RotateWebhookSecretEndpoint(WebhookEndpoints endpoints, WebhookSecrets secrets, IOptions<WinBackOptions> options,
    TimeProvider wall)
    : Endpoint<WebhookEndpointIdRequest, WebhookEndpointWithSecretView>
{
    public override void Configure()
    {
        Post("/webhook-endpoints/{id}/rotate-secret");
        Options(b => b.WithMetadata(CarriesSecret.Metadata));
        Roles(ApiScopes.Admin);
        Tags("Webhooks");
        Summary(s =>
        {
            s.Summary = "Rotate a webhook endpoint's secret";
            s.Description = "Makes a new secret and returns it (only now). For 24 hours (WinBack__Webhooks__SecretRotationOverlap) every " +
                            "delivery carries two signatures in webhook-signature, one per secret, so the receiver can switch at its " +
                            "own pace. Rotating again during that time retires the oldest secret at once.";
            s.Responses[200] = "The endpoint with its new secret.";
            s.ResponseExamples[200] = WebhookEndpointWithSecretView.Example with
            {
                PreviousSecretExpiresAt = DateTimeOffset.Parse("2026-11-25T09:30:00Z"),
            };
        });
    }

    public override async Task HandleAsync(WebhookEndpointIdRequest request, CancellationToken ct)
    {
        var now = wall.GetUtcNow();
        var secret = WebhookSecret.New();
        var rotated = await endpoints.RotateAsync(HttpContext.Caller().RequireTenant(), request.Id, secrets.Protect(secret),
                          now + options.Value.Webhooks.SecretRotationOverlap, now, ct)
                      ?? throw ApiException.NotFound("webhook endpoint", request.Id);
        await Send.OkAsync(WebhookEndpointWithSecretView.Of(rotated, secret), ct);
    }
}
