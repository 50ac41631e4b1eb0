using System.Net;
using System.Text.Json;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Common;

namespace WinBack.Api.Tests.Features.Webhooks;

/// <summary>GET /v1/webhook-endpoints/{id}/health: a receiver that always answers 503 and one that answers 200, on the app's wall clock.</summary>
public sealed class WebhookHealthTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static async Task<JsonElement> HealthAsync(TestTenant tenant, string endpointId) =>
        await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/webhook-endpoints/{endpointId}/health"), 200);

    [Fact]
    public async Task Counts_rates_latency_and_the_last_failure_cover_the_last_24_hours_and_failed_deliveries_all_time()
    {
        await using var failing = await WebhookReceiver.StartAsync();
        failing.Answer = _ => 503;
        await using var working = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync();
        var bad = (await tenant.CreateEndpointAsync(failing.Url, "reward.issued")).GetProperty("id").GetString()!;
        var good = (await tenant.CreateEndpointAsync(working.Url, "reward.issued")).GetProperty("id").GetString()!;
        var quiet = (await tenant.CreateEndpointAsync(working.Url, "customer.lapsed")).GetProperty("id").GetString()!;

        // The first event's delivery to the failing receiver uses up its 8 attempts (about 28 hours of wall clock) and fails.
        await tenant.IssueCreditAsync("cus_1");
        await tenant.WaitForDeliveriesAsync(bad, ds => ds.Length == 1 && ds[0].Attempts() == 1, "the first attempt");
        await tenant.WaitForDeliveriesAsync(good, ds => ds.Length == 1 && ds[0].Status() == "succeeded", "the first delivered");
        for (var attempt = 2; attempt <= RetrySchedule.Webhooks.MaxAttempts; attempt++)
            await tenant.RunDueRetriesAsync(app, bad);
        await tenant.WaitForDeliveriesAsync(bad, ds => ds[0].Status() == "failed", "all attempts failed");
        // A second event now: one more failed attempt (its delivery pending a retry) and one more success.
        await tenant.IssueCreditAsync("cus_2");
        var badDeliveries = await tenant.WaitForDeliveriesAsync(bad, ds => ds.Length == 2 && ds.All(d => d.Attempts() > 0), "the second attempted");
        await tenant.WaitForDeliveriesAsync(good, ds => ds.Length == 2 && ds.All(d => d.Status() == "succeeded"), "the second delivered");

        var now = app.Clock.GetUtcNow();
        var attempts = badDeliveries.SelectMany(d => d.AttemptTimes().Select(at => (Delivery: d.Id(), At: at))).Where(a => a.At > now.AddHours(-24)).ToList();
        attempts.Count.ShouldBeInRange(2, RetrySchedule.Webhooks.MaxAttempts); // the first delivery's early attempts fell out of the window
        var health = await HealthAsync(tenant, bad);
        health.GetProperty("endpointId").GetString().ShouldBe(bad);
        health.GetProperty("windowHours").GetInt32().ShouldBe(24);
        health.GetProperty("attempts").GetInt64().ShouldBe(attempts.Count);
        health.GetProperty("succeeded").GetInt64().ShouldBe(0);
        health.GetProperty("failed").GetInt64().ShouldBe(attempts.Count);
        health.GetProperty("successRate").GetDouble().ShouldBe(0);
        health.GetProperty("latencyMsP50").GetInt32().ShouldBeGreaterThanOrEqualTo(0);
        health.GetProperty("latencyMsP95").GetInt32().ShouldBeGreaterThanOrEqualTo(health.GetProperty("latencyMsP50").GetInt32());
        health.GetProperty("failedDeliveries").GetInt64().ShouldBe(1);
        var last = health.GetProperty("lastFailure");
        var latest = attempts.MaxBy(a => a.At);
        last.GetProperty("deliveryId").GetString().ShouldBe(latest.Delivery);
        last.GetProperty("at").GetDateTimeOffset().ShouldBe(latest.At);
        last.GetProperty("statusCode").GetInt32().ShouldBe(503);
        last.GetProperty("error").GetString().ShouldBe("HTTP 503");

        // The working receiver's first success was more than 24 hours ago: only the second counts.
        var fine = await HealthAsync(tenant, good);
        fine.GetProperty("attempts").GetInt64().ShouldBe(1);
        fine.GetProperty("succeeded").GetInt64().ShouldBe(1);
        fine.GetProperty("successRate").GetDouble().ShouldBe(1);
        fine.GetProperty("failedDeliveries").GetInt64().ShouldBe(0);
        fine.GetProperty("lastFailure").ValueKind.ShouldBe(JsonValueKind.Null);

        var idle = await HealthAsync(tenant, quiet);
        idle.GetProperty("attempts").GetInt64().ShouldBe(0);
        idle.GetProperty("successRate").ValueKind.ShouldBe(JsonValueKind.Null);
        idle.GetProperty("latencyMsP50").ValueKind.ShouldBe(JsonValueKind.Null);
        idle.GetProperty("latencyMsP95").ValueKind.ShouldBe(JsonValueKind.Null);

        // Another tenant's key gets a 404 for these endpoints, as for an unknown one; an ingest key gets a 403.
        var other = await app.CreateTenantAsync();
        await (await other.Admin.GetAsync($"/v1/webhook-endpoints/{bad}/health")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        (await other.Admin.GetAsync("/v1/webhook-endpoints/we_01jdq3w5x8k2m9v4r7t6y1z0ae/health")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await tenant.Ingest.GetAsync($"/v1/webhook-endpoints/{bad}/health")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
