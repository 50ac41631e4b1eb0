using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using StandardWebhooks.Diagnostics;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Client.Webhooks;

namespace WinBack.Api.Tests.Features.Webhooks;

/// <summary>Calls the webhook tests share, and a receiver's check of a delivery.</summary>
internal static class WebhookRequests
{
    public static async Task<JsonElement> CreateEndpointAsync(this TestTenant tenant, string url, params string[] events)
    {
        var body = new JsonObject { ["url"] = url, ["events"] = new JsonArray(events.Select(e => (JsonNode)e).ToArray()) };
        return await EngineRequests.ReadAsync(await tenant.Admin.PostAsync("/v1/webhook-endpoints", RuleRequests.Json(body)), 201);
    }

    /// <summary>Records a login (so that the customer exists), issues a manual credit (a reward.issued event) and returns the reward's id.</summary>
    public static async Task<string> IssueCreditAsync(this TestTenant tenant, string customerId, long amount = 1000, int expiresInDays = 30)
    {
        await tenant.ActivityAsync(customerId, "login");
        var body = new JsonObject
        {
            ["reward"] = new JsonObject { ["type"] = "account_credit", ["amount"] = amount, ["currency"] = "eur", ["expiresInDays"] = expiresInDays },
            ["note"] = "goodwill",
        };
        var reward = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync($"/v1/customers/{customerId}/rewards", RuleRequests.Json(body)), 201);
        return reward.GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement[]> DeliveriesAsync(this TestTenant tenant, string endpointId, string query = "") =>
        (await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/webhook-endpoints/{endpointId}/deliveries?limit=100{query}"), 200))
        .GetProperty("data").EnumerateArray().ToArray();

    public static async Task<JsonElement> EndpointAsync(this TestTenant tenant, string endpointId) =>
        await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/webhook-endpoints/{endpointId}"), 200);

    /// <summary>Waits until the customer's latest event of a type is listed in GET /v1/events (the outbox has it).</summary>
    public static Task WaitForEventAsync(this TestTenant tenant, string customerId, string type) =>
        Eventually.ReadAsync(async () => await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/events?customerId={customerId}&type={type}"), 200),
            page => page.GetProperty("data").GetArrayLength() > 0, $"a {type} event for {customerId} listed");

    /// <summary>Polls the endpoint's deliveries until the condition holds (15 s at most).</summary>
    public static Task<JsonElement[]> WaitForDeliveriesAsync(this TestTenant tenant, string endpointId, Func<JsonElement[], bool> condition,
        string what) =>
        Eventually.ReadAsync(() => tenant.DeliveriesAsync(endpointId), condition, $"deliveries with {what}");

    /// <summary>Queues a ping for the endpoint and returns its delivery.</summary>
    public static async Task<JsonElement> PingAsync(this TestTenant tenant, string endpointId) =>
        await EngineRequests.ReadAsync(await tenant.Admin.PostAsync($"/v1/webhook-endpoints/{endpointId}/test", null), 202);

    /// <summary>
    /// Lets time pass on the wall clock (the app's fake one, which retries follow for every tenant) up to the moment the
    /// endpoints' pending retries are all due, and waits until each was attempted (those waiting behind them are not retries).
    /// </summary>
    public static async Task RunDueRetriesAsync(this TestTenant tenant, WinBackApp app, params string[] endpointIds)
    {
        var waiting = new List<(string Endpoint, JsonElement Delivery)>();
        foreach (var endpointId in endpointIds)
            waiting.AddRange((await tenant.DeliveriesAsync(endpointId)).Where(d => d.Status() == "pending" && d.Attempts() > 0)
                .Select(d => (endpointId, d)));
        waiting.ShouldNotBeEmpty("a retry to wait for");
        app.Clock.SetUtcNow(waiting.Max(w => w.Delivery.NextAttemptAt()!.Value));
        foreach (var group in waiting.GroupBy(w => w.Endpoint))
            await tenant.WaitForDeliveriesAsync(group.Key,
                ds => group.All(w => ds.Single(d => d.Id() == w.Delivery.Id()).Attempts() > w.Delivery.Attempts()), "the retries that fell due attempted");
    }

    /// <summary>
    /// Verifies as a receiver would, with WinBack.Client.Webhooks (checked against the npm reference in WebhookInteropTests):
    /// any of the space-separated signatures made with <paramref name="secret"/>, and a timestamp within 5 minutes of the
    /// receiver's clock.
    /// </summary>
    public static bool Verifies(ReceivedWebhook webhook, string secret, DateTimeOffset receiverNow)
    {
        try
        {
            new WebhookVerifier(secret, clock: new FakeTimeProvider(receiverNow)).Verify(webhook.Id, webhook.Timestamp, webhook.Signature, webhook.Body);
            return true;
        }
        catch (WebhookVerificationException)
        {
            return false;
        }
    }
}

internal static class DeliveryJson
{
    public static string Id(this JsonElement d) => d.GetProperty("id").GetString()!;
    public static string Status(this JsonElement d) => d.GetProperty("status").GetString()!;
    public static DateTimeOffset? NextAttemptAt(this JsonElement d) =>
        d.GetProperty("nextAttemptAt").ValueKind == JsonValueKind.Null ? null : d.GetProperty("nextAttemptAt").GetDateTimeOffset();
    public static string? LastError(this JsonElement d) => d.GetProperty("lastError").GetString();
    public static int Attempts(this JsonElement d) => d.GetProperty("attempts").GetInt32();
    public static string EventId(this JsonElement d) => d.GetProperty("eventId").GetString()!;
    public static string? Customer(this JsonElement d) => d.GetProperty("customerId").GetString();
    public static DateTimeOffset[] AttemptTimes(this JsonElement d) =>
        d.GetProperty("attemptLog").EnumerateArray().Select(a => a.GetProperty("attemptedAt").GetDateTimeOffset()).ToArray();
}
