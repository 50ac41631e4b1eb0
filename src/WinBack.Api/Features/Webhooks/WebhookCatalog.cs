using System.Text.Json;
using WinBack.Api.Features.Rules;
using WinBack.Api.Infrastructure.OpenApi;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Features.Webhooks;

/// <summary>What each webhook type carries in <c>data</c> (see <see cref="WebhookEventPayload"/>), for the OpenAPI document.</summary>
public sealed class WebhookCatalog : IWebhookCatalog
{
    public IReadOnlyList<string> Types => WebhookEventTypes.Delivered;

    public Type Envelope => typeof(WebhookEventView);

    public (Type Record, Type? Added) DataOf(string type) => type switch
    {
        WebhookEventTypes.RewardIssued => (typeof(Domain.Customers.RewardIssued), typeof(RewardIssuedAdded)),
        WebhookEventTypes.SaveOfferPresented => (typeof(Domain.Customers.SaveOfferPresented), typeof(SaveOfferPresentedAdded)),
        WebhookEventTypes.SaveOfferAccepted => (typeof(Domain.Customers.SaveOfferAccepted), typeof(SaveOfferAcceptedAdded)),
        WebhookEventTypes.RuleUpdated => (typeof(RuleChange), null),
        WebhookEventTypes.Ping => (typeof(PingData), null),
        _ => (WebhookEventTypes.EventsOf(type)[0], null),
    };

    public IReadOnlyList<(string Name, string Description, string Example)> Headers =>
    [
        ("webhook-id", "The event's id (evt_…), the same on every retry and replay: deduplicate by it.", "evt_01jdq3w5x8k2m9v4r7t6y1z0ai"),
        ("webhook-timestamp", "When this attempt was sent, in Unix seconds; refuse one more than 5 minutes from your clock.", "1795510800"),
        ("webhook-signature", "Standard Webhooks signatures: space-separated v1,<base64 HMAC-SHA256 of \"{webhook-id}.{webhook-timestamp}.{body}\">, " +
                              "one per secret while a rotated secret is still valid.", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="),
    ];
}

/// <summary>The rendered message of a reward.issued (null when the rule has none).</summary>
public sealed record WebhookMessage(string Subject, string Body);

/// <param name="Message">The rule's message, rendered for this customer; null when the rule has none.</param>
/// <param name="PromotionCode">For a percent_discount pushed to Stripe: the promotion code (null if the push was given up).</param>
internal sealed record RewardIssuedAdded(WebhookMessage? Message, string? PromotionCode);

/// <param name="Offer">The offer as admins write it in a rule; null when nothing was offered.</param>
/// <param name="Holdout">True when the customer is in the holdout and was shown nothing.</param>
internal sealed record SaveOfferPresentedAdded(RuleReward? Offer, bool Holdout);

/// <param name="Apply">What the subscription must become, in Stripe's terms (pause_collection or a trial extension); null for other rewards.</param>
internal sealed record SaveOfferAcceptedAdded(IReadOnlyDictionary<string, JsonElement>? Apply);

/// <summary>A rule's change, without its whole definition: read the rule with GET /v1/rules/{id}.</summary>
/// <param name="Change">created, revised, activated, paused or archived.</param>
/// <param name="Version">The rule's version after a create or a revision; null for the other changes.</param>
/// <param name="By">The id of the API key that made the change.</param>
public sealed record RuleChange(string RuleId, string Change, int? Version, string By);

/// <param name="EndpointId">The endpoint the ping was sent to.</param>
public sealed record PingData(string EndpointId);
