using WinBack.Api.Infrastructure.OpenApi;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Features.Webhooks;

/// <summary>One attempt to deliver: when, what the receiver answered, and how long it took.</summary>
/// <param name="AttemptedAt">When the attempt was made (the wall clock, for test tenants too: retries do not follow a test clock).</param>
/// <param name="SentAt">The send time, which is also the signed webhook-timestamp; the same as attemptedAt.</param>
/// <param name="StatusCode">The receiver's HTTP status; null when it did not answer (timeout, refused, unreachable).</param>
/// <param name="ResponseBody">The first 1 KiB of the receiver's answer.</param>
public sealed record WebhookAttemptView(DateTimeOffset AttemptedAt, DateTimeOffset SentAt, int? StatusCode, int LatencyMs, string? ResponseBody,
    string? Error, bool Succeeded);

/// <summary>An event on its way to one endpoint.</summary>
/// <param name="Id">The delivery's id (<c>wd_…</c>).</param>
/// <param name="Status">pending (waiting for its turn or its next attempt), succeeded, or failed (every attempt failed; lastError says why).</param>
/// <param name="NextAttemptAt">When a pending delivery is tried next (wall clock): its retry, or for one waiting behind a failing
/// event of the same customer, that event's retry; null when it is due now or finished.</param>
/// <param name="AttemptLog">Every attempt, oldest first.</param>
public sealed record WebhookDeliveryView(
    string Id, string EndpointId, string EventId,
    [property: WireValues("WebhookEventType", typeof(WebhookEventTypes), nameof(WebhookEventTypes.Delivered))] string EventType, string? CustomerId,
    [property: WireValues("WebhookDeliveryStatus", typeof(WebhookDeliveryView), nameof(WebhookDeliveryView.Statuses))] string Status, int Attempts, DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError, DateTimeOffset CreatedAt, IReadOnlyList<WebhookAttemptView> AttemptLog)
{
    public static readonly IReadOnlyList<string> Statuses = ["pending", "succeeded", "failed"];

    public static readonly WebhookDeliveryView Example = new("wd_3f9c2a7be1d84c0f9a6b5e4d3c2b1a09", "we_01jdq3w5x8k2m9v4r7t6y1z0ae",
        "evt_01jdq3w5x8k2m9v4r7t6y1z0ai", "reward.issued", "cus_4711", "pending", 2, DateTimeOffset.Parse("2026-11-24T09:10:05Z"),
        DateTimeOffset.Parse("2026-11-24T09:05:05Z"), 503, "HTTP 503", DateTimeOffset.Parse("2026-11-24T09:05:00Z"),
        [
            new WebhookAttemptView(DateTimeOffset.Parse("2026-11-24T09:05:00Z"), DateTimeOffset.Parse("2026-11-24T09:05:00Z"), null, 10000, null,
                "No response within 10 s.", false),
            new WebhookAttemptView(DateTimeOffset.Parse("2026-11-24T09:05:05Z"), DateTimeOffset.Parse("2026-11-24T09:05:05Z"), 503, 12,
                "upstream unavailable", null, false),
        ]);
}
