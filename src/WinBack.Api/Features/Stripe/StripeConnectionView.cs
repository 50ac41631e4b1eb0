namespace WinBack.Api.Features.Stripe;

/// <summary>Whether this tenant is connected to Stripe; secrets appear only masked.</summary>
/// <param name="SecretKey">The secret key, masked (<c>sk_test_…4242</c>).</param>
/// <param name="WebhookSigningSecret">The webhook signing secret, masked (<c>whsec_…9f3a</c>).</param>
/// <param name="WebhookUrl">The path to register in the Stripe dashboard (prefix it with this service's public address).</param>
public sealed record StripeConnectionView(bool Connected, string? SecretKey, string? WebhookSigningSecret, bool? Livemode,
    DateTimeOffset? ConnectedAt, string WebhookUrl)
{
    public static string WebhookPath(string tenantId) => $"/v1/integrations/stripe/webhooks/{tenantId}";

    public static StripeConnectionView Of(StripeConnection? c, string tenantId) => c is null
        ? new StripeConnectionView(false, null, null, null, null, WebhookPath(tenantId))
        : new StripeConnectionView(true, c.MaskedSecretKey, c.MaskedWebhookSecret, c.Livemode, c.ConnectedAt, WebhookPath(tenantId));

    public static readonly StripeConnectionView Example = new(true, "sk_test_…4242", "whsec_…9f3a", false,
        DateTimeOffset.Parse("2026-11-24T09:30:00Z"), WebhookPath("ten_01jdq3w5x8k2m9v4r7t6y1z0aa"));
}
