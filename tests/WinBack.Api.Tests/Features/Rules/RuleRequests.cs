using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Rules;

/// <summary>Rule bodies and calls the rule tests share.</summary>
internal static class RuleRequests
{
    /// <summary>The definition from the rules issue, verbatim.</summary>
    public const string IssueExample = """
        {
          "name": "90-day win-back",
          "priority": 10,
          "trigger": { "type": "inactivity", "days": 90, "activityTypes": ["purchase"] },
          "eligibility": { "minLifetimeValue": { "amount": 5000, "currency": "eur" }, "minOrderCount": 2,
                           "churnReasons": ["too_expensive"], "attributes": { "channel": "web" } },
          "reward": { "type": "account_credit", "amount": 1000, "currency": "eur",
                      "expiresInDays": 30, "grant": "immediate" },
          "limits": { "totalBudget": { "amount": 1000000, "currency": "eur" }, "dailyBudget": null,
                      "maxRewardsPerCustomer": 1, "cooldownDays": 180 },
          "experiment": { "holdoutPercent": 10,
                          "variants": [ { "name": "A", "weight": 50 },
                                        { "name": "B", "weight": 50,
                                          "reward": { "type": "account_credit", "amount": 2000, "currency": "eur",
                                                      "expiresInDays": 30, "grant": "immediate" } } ] },
          "message": { "subject": "We miss you, {{customer.id}}",
                       "body": "Here is {{reward.amount}} until {{reward.expiresAt}}" },
          "attributionDays": 90
        }
        """;

    public static JsonObject Example() => JsonNode.Parse(IssueExample)!.AsObject();

    /// <summary>A small valid rule: 90 days without activity, 1000 eur credit.</summary>
    public static JsonObject Simple(int priority = 10, string name = "simple") => new()
    {
        ["name"] = name,
        ["priority"] = priority,
        ["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 90 },
        ["reward"] = new JsonObject { ["type"] = "account_credit", ["amount"] = 1000, ["currency"] = "eur", ["expiresInDays"] = 30 },
    };

    public static async Task<JsonElement> CreateAsync(this TestTenant tenant, JsonObject body)
    {
        var response = await tenant.Admin.PostAsync("/v1/rules", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(201, text);
        return JsonDocument.Parse(text).RootElement;
    }

    public static async Task<string> CreateActiveAsync(this TestTenant tenant, JsonObject body)
    {
        var id = (await tenant.CreateAsync(body)).GetProperty("id").GetString()!;
        (await tenant.Admin.PostAsync($"/v1/rules/{id}/activate", null)).EnsureSuccessStatusCode();
        return id;
    }

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> ReviseAsync(this TestTenant tenant, string id, JsonObject body, string? ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/rules/{id}") { Content = Json(body) };
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return tenant.Admin.SendAsync(request);
    }

    public static async Task<JsonElement> ReadAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement;
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url) =>
        await (await client.GetAsync(url)).ReadAsync();

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body);
}
