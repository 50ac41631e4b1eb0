using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.SaveOffers;

/// <summary>The calls a product's cancel flow makes, and the save rules the tests create.</summary>
internal static class SaveOfferRequests
{
    /// <summary>A cancellation_intent rule offering <paramref name="reward"/> for the reasons given.</summary>
    public static JsonObject SaveRule(JsonObject reward, string[] reasons, int? cooldownDays = null, int holdoutPercent = 0, int priority = 10) => new()
    {
        ["name"] = $"save {reward["type"]}",
        ["priority"] = priority,
        ["trigger"] = new JsonObject { ["type"] = "cancellation_intent" },
        ["eligibility"] = new JsonObject { ["churnReasons"] = new JsonArray(reasons.Select(r => (JsonNode)r!).ToArray()) },
        ["reward"] = reward,
        ["limits"] = cooldownDays is { } days ? new JsonObject { ["cooldownDays"] = days } : null,
        ["experiment"] = holdoutPercent > 0 ? new JsonObject { ["holdoutPercent"] = holdoutPercent } : null,
    };

    public static JsonObject Pause(int days) => new() { ["type"] = "pause", ["days"] = days };

    public static JsonObject TrialExtension(int days) => new() { ["type"] = "trial_extension", ["days"] = days };

    public static async Task<JsonElement> PresentAsync(this TestTenant tenant, string customerId, string reason, string subscriptionId, int status = 201) =>
        await EngineRequests.ReadAsync(await tenant.Ingest.PostAsync($"/v1/customers/{customerId}/save-offers",
            RuleRequests.Json(new JsonObject { ["reason"] = reason, ["subscriptionId"] = subscriptionId })), status);

    public static async Task<HttpResponseMessage> AnswerAsync(this TestTenant tenant, string offerId, string answer, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/save-offers/{offerId}/{answer}");
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await tenant.Ingest.SendAsync(request);
    }

    public static async Task<JsonElement> OfferAsync(this TestTenant tenant, string offerId) =>
        await EngineRequests.ReadAsync(await tenant.Ingest.GetAsync($"/v1/save-offers/{offerId}"), 200);

    public static async Task<JsonElement> SavesReportAsync(this TestTenant tenant, string groupBy) =>
        await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/reports/saves?groupBy={groupBy}"), 200);
}
