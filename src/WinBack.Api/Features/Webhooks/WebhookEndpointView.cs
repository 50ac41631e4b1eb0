using WinBack.Api.Infrastructure.OpenApi;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Features.Webhooks;

/// <summary>A webhook endpoint. Its secret is shown only when the endpoint is created and when the secret is rotated.</summary>
/// <param name="Id">The endpoint's id (<c>we_…</c>).</param>
/// <param name="Events">The event types it receives; <c>*</c> for all.</param>
/// <param name="Enabled">False when an admin disabled it, or when every attempt failed for 5 days (see disabledReason).</param>
/// <param name="FailingSince">The first failed attempt since its last success; null while it is healthy.</param>
/// <param name="DisabledReason">Why it is disabled, and what to do about it.</param>
/// <param name="PreviousSecretExpiresAt">Until when the secret before the last rotation still signs (a second signature).</param>
public sealed record WebhookEndpointView(
    string Id, string Url, string? Description,
    [property: WireValues("WebhookEventSubscription", typeof(WebhookEventTypes), nameof(WebhookEventTypes.Subscriptions))] IReadOnlyList<string> Events, bool Enabled, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? FailingSince, DateTimeOffset? DisabledAt, string? DisabledReason, DateTimeOffset? PreviousSecretExpiresAt)
{
    public static WebhookEndpointView Of(WebhookEndpoint e) => new(e.Id, e.Url, e.Description, e.Events, e.Enabled, e.CreatedAt, e.UpdatedAt,
        e.FailingSince, e.DisabledAt, e.DisabledReason, e.EncryptedPreviousSecret is null ? null : e.PreviousExpiresAt);

    public static readonly WebhookEndpointView Example = new("we_01jdq3w5x8k2m9v4r7t6y1z0ae", "https://mail.example.com/hooks/winback",
        "win-back mails", ["reward.issued", "reward.expiring_soon"], true, DateTimeOffset.Parse("2026-11-24T09:30:00Z"),
        DateTimeOffset.Parse("2026-11-24T09:30:00Z"), null, null, null, null);
}

/// <summary>An endpoint with its signing secret, which is shown only now: keep it.</summary>
/// <param name="Secret">The signing secret (<c>whsec_…</c>): the key is the base64 part after the prefix.</param>
public sealed record WebhookEndpointWithSecretView(
    string Id, string Url, string? Description, IReadOnlyList<string> Events, bool Enabled, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? PreviousSecretExpiresAt, string Secret)
{
    /// <param name="secret">The plain secret just made: the stored one is encrypted.</param>
    public static WebhookEndpointWithSecretView Of(WebhookEndpoint e, string secret) => new(e.Id, e.Url, e.Description, e.Events, e.Enabled,
        e.CreatedAt, e.UpdatedAt, e.EncryptedPreviousSecret is null ? null : e.PreviousExpiresAt, secret);

    public static readonly WebhookEndpointWithSecretView Example = new("we_01jdq3w5x8k2m9v4r7t6y1z0ae", "https://mail.example.com/hooks/winback",
        "win-back mails", ["reward.issued", "reward.expiring_soon"], true, DateTimeOffset.Parse("2026-11-24T09:30:00Z"),
        DateTimeOffset.Parse("2026-11-24T09:30:00Z"), null, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
}
