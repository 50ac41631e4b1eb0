using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Stripe;

/// <summary>Stripe events as Stripe posts them, signed, for the Stripe tests.</summary>
public static class StripeEvents
{
    private static int _events;

    /// <summary>A Stripe event as Stripe posts it, for the object given.</summary>
    public static string Event(string type, JsonObject data, DateTimeOffset created, string? id = null) => new JsonObject
    {
        ["id"] = id ?? $"evt_test{Interlocked.Increment(ref _events):D6}", ["object"] = "event", ["api_version"] = "2026-10-28.endive",
        ["created"] = created.ToUnixTimeSeconds(), ["type"] = type, ["livemode"] = false, ["pending_webhooks"] = 1,
        ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null }, ["data"] = new JsonObject { ["object"] = data },
    }.ToJsonString();

    /// <summary>Stripe's signature scheme, from its documentation: t=..., v1=hex HMAC-SHA256 of "t.payload" keyed by the whole secret.</summary>
    public static string Sign(string payload, DateTimeOffset at, string secret = StripeSigning.Secret)
    {
        var t = at.ToUnixTimeSeconds();
        var hash = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{payload}"));
        return $"t={t},v1={Convert.ToHexStringLower(hash)}";
    }

    public static JsonObject Invoice(string customer, long paid) => new()
    {
        ["id"] = $"in_test{Interlocked.Increment(ref _events):D6}", ["object"] = "invoice", ["customer"] = customer, ["amount_paid"] = paid,
        ["currency"] = "eur", ["status"] = "paid",
    };

    /// <summary>Posts a signed event to the tenant's Stripe receiver.</summary>
    public static async Task<HttpResponseMessage> PostAsync(WinBackApp app, TestTenant tenant, string payload, string? signature = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/integrations/stripe/webhooks/{tenant.Id}")
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Stripe-Signature", signature ?? Sign(payload, app.Clock.GetUtcNow()));
        return await app.CreateClient().SendAsync(request);
    }
}
