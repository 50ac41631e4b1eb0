using System.Text.Json;
using WinBack.Api.Infrastructure.OpenApi;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Features.Webhooks;

/// <summary>
/// An event as consumers receive it: the body of every webhook delivery, and an item of GET /v1/events.
/// </summary>
/// <param name="Id">The event's id (<c>evt_…</c>); also the <c>webhook-id</c> header, the same on every retry and replay.</param>
/// <param name="Type">customer.lapsed, reward.issued, reward.redeemed, reward.expiring_soon, reward.expired, reward.revoked, customer.reactivated, rule.updated, save_offer.presented, save_offer.accepted, save_offer.declined, save_offer.saved, or ping.</param>
/// <param name="CreatedAt">When it happened, in the tenant's time (a test tenant's clock).</param>
/// <param name="CustomerId">The customer it is about; null for rule.updated and ping.</param>
/// <param name="Sequence">
/// Rises with every event of the customer (for rule.updated: of the rule), so a consumer can order what it receives and
/// drop what is older than what it has. Gaps are normal: the customer's unpublished records (activities) count too.
/// </param>
/// <param name="Data">The event's record; reward.issued also carries the rendered message (subject and body).</param>
public sealed record WebhookEventView(
    string Id, [property: WireValues("WebhookEventType", typeof(WebhookEventTypes), nameof(WebhookEventTypes.Delivered))] string Type,
    DateTimeOffset CreatedAt, string TenantId, string? CustomerId, long Sequence, JsonElement Data)
{
    public static readonly WebhookEventView Example = new("evt_01jdq3w5x8k2m9v4r7t6y1z0ai", "reward.issued",
        DateTimeOffset.Parse("2026-11-24T09:05:00Z"), "ten_01jdq3w5x8k2m9v4r7t6y1z0aa", "cus_4711", 7, JsonDocument.Parse("""
        {"customerId":"cus_4711","rewardId":"rwd_01jdq3w5x8k2m9v4r7t6y1z0ag","episodeId":"lap_01jdq3w5x8k2m9v4r7t6y1z0af",
         "ruleId":"rule_01jdq3w5x8k2m9v4r7t6y1z0ae","ruleVersion":1,"variant":"default","type":"account_credit","amount":1000,
         "currency":"eur","percent":null,"uses":null,"sku":null,"payload":null,"issuedAt":"2026-11-24T09:05:00Z",
         "expiresAt":"2026-12-24T09:05:00Z","grant":"immediate","note":null,
         "message":{"subject":"We miss you, cus_4711","body":"Here is 10.00 until 2026-12-24T09:05:00Z"}}
        """).RootElement);
}
