using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Engine;

/// <summary>Calls the engine and ledger tests share, each checking its status code.</summary>
internal static class EngineRequests
{
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, text);
        return JsonDocument.Parse(text).RootElement;
    }

    public static async Task<JsonElement> ActivityAsync(this TestTenant tenant, string customerId, string type, DateTimeOffset? at = null,
        long? amount = null)
    {
        var body = new JsonObject { ["type"] = type };
        if (at is { } occurred)
            body["occurredAt"] = occurred.ToString("O");
        if (amount is { } a)
        {
            body["amount"] = a;
            body["currency"] = "eur";
        }
        return await ReadAsync(await tenant.Ingest.PostAsync($"/v1/customers/{customerId}/activities", RuleRequests.Json(body)), 201);
    }

    public static async Task<DateTimeOffset> AdvanceAsync(this TestTenant tenant, DateTimeOffset to)
    {
        var clock = await ReadAsync(await tenant.Admin.PostAsync("/v1/test-clock/advance",
            RuleRequests.Json(new JsonObject { ["to"] = to.ToString("O") })), 200);
        return clock.GetProperty("now").GetDateTimeOffset();
    }

    public static async Task<DateTimeOffset> ReadClockAsync(this TestTenant tenant) =>
        (await ReadAsync(await tenant.Ingest.GetAsync("/v1/test-clock"), 200)).GetProperty("now").GetDateTimeOffset();

    public static async Task<JsonElement> CustomerAsync(this TestTenant tenant, string customerId) =>
        await ReadAsync(await tenant.Ingest.GetAsync($"/v1/customers/{customerId}"), 200);

    public static async Task<JsonElement[]> RewardsAsync(this TestTenant tenant, string customerId) =>
        (await ReadAsync(await tenant.Ingest.GetAsync($"/v1/customers/{customerId}/rewards?limit=100"), 200))
        .GetProperty("data").EnumerateArray().ToArray();

    public static async Task<JsonElement> LedgerAsync(this TestTenant tenant, string customerId, DateTimeOffset? asOf = null) =>
        await ReadAsync(await tenant.Ingest.GetAsync($"/v1/customers/{customerId}/ledger" +
                                                    (asOf is { } t ? $"?asOf={Uri.EscapeDataString(t.ToString("O"))}" : "")), 200);

    /// <summary>The customer's stream events of one type (snake_case), oldest first.</summary>
    public static async Task<JsonElement[]> EventsAsync(this TestTenant tenant, string customerId, string type) =>
        (await ReadAsync(await tenant.Ingest.GetAsync($"/v1/customers/{customerId}/events?limit=1000"), 200))
        .GetProperty("data").EnumerateArray().Where(e => e.GetProperty("type").GetString() == type).Select(e => e.GetProperty("data")).ToArray();

    public static async Task<JsonElement> RedeemAsync(this TestTenant tenant, string rewardId, string orderId, long? amount, int status = 201)
    {
        var body = new JsonObject { ["orderId"] = orderId };
        if (amount is { } a)
        {
            body["amount"] = a;
            body["currency"] = "eur";
        }
        return await ReadAsync(await tenant.Ingest.PostAsync($"/v1/rewards/{rewardId}/redemptions", RuleRequests.Json(body)), status);
    }

    /// <summary>Polls a sweep job until it succeeds; fails the test if it fails or takes more than 10 s.</summary>
    public static async Task<JsonElement> WaitForSweepAsync(this TestTenant tenant, string sweepId)
    {
        for (var i = 0; i < 200; i++)
        {
            var job = await ReadAsync(await tenant.Admin.GetAsync($"/v1/sweeps/{sweepId}"), 200);
            var status = job.GetProperty("status").GetString();
            status.ShouldNotBe("failed");
            if (status == "succeeded")
                return job;
            await Task.Delay(50);
        }
        throw new TimeoutException($"Sweep {sweepId} did not finish.");
    }

    /// <summary>A reward's status: available, redeemed, expired, ...</summary>
    public static async Task<string> RewardStatusAsync(this TestTenant tenant, string rewardId) =>
        (await ReadAsync(await tenant.Ingest.GetAsync($"/v1/rewards/{rewardId}"), 200)).GetProperty("status").GetString()!;

    /// <summary>The balance in eur, 0 when the customer has none.</summary>
    public static long Eur(this JsonElement balanceHolder) =>
        balanceHolder.GetProperty("balance").EnumerateArray().Where(m => m.GetProperty("currency").GetString() == "eur")
            .Select(m => m.GetProperty("amount").GetInt64()).SingleOrDefault();
}
