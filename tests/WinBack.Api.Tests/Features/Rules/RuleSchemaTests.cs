using System.Net;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Api.Tests.Infrastructure.OpenApi;
using static WinBack.Api.Tests.Features.Rules.RuleRequests;

namespace WinBack.Api.Tests.Features.Rules;

/// <summary>Admins design rules in Swagger UI, so the rule schema is the user interface: every field explained, every value shown.</summary>
public sealed class RuleSchemaTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private async Task<JsonNode> DocumentAsync() => JsonNode.Parse(await app.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;

    [Fact]
    public async Task Every_rule_field_has_a_description_and_every_value_field_an_example()
    {
        var schemas = (await DocumentAsync())["components"]!["schemas"]!.AsObject();
        var seen = new HashSet<string>();
        var missing = new List<string>();

        void Visit(string name)
        {
            if (!seen.Add(name) || schemas[name]?["properties"] is not JsonObject properties)
                return;
            foreach (var (field, schema) in properties)
            {
                var path = $"{name}.{field}";
                if (string.IsNullOrWhiteSpace(schema!["description"]?.GetValue<string>()))
                    missing.Add($"{path}: description");
                var reference = Reference(schema);
                var isValue = reference is null ? FuzzSchemas.Type(schema) is "string" or "integer" or "number" or "boolean"
                    : schemas[reference]!["enum"] is not null;
                if (isValue && schema["examples"] is null && field != "payload")
                    missing.Add($"{path}: example");
                if ((reference ?? (schema["items"] is { } items ? Reference(items) : null)) is { } child)
                    Visit(child);
            }
        }

        Visit("CreateRuleRequest");
        seen.ShouldContain("RuleVariant");
        missing.ShouldBeEmpty();
    }

    [Fact]
    public async Task Each_documented_request_example_creates_a_rule()
    {
        var examples = (await DocumentAsync())["paths"]!["/v1/rules"]!["post"]!["requestBody"]!["content"]!["application/json"]!["examples"]!.AsObject();
        var tenant = await app.CreateTenantAsync();

        examples.Select(e => e.Key).ShouldBe(["inactivity", "at_risk", "cancellation", "never_purchased", "welcome", "nth_purchase", "lifetime_value_reached", "anniversary", "birthday", "usage_decline", "contact_burst", "payment_failed"]);
        foreach (var (label, example) in examples)
        {
            var response = await tenant.Admin.PostAsync("/v1/rules", Json(example!["value"]!.DeepClone()));
            response.StatusCode.ShouldBe(HttpStatusCode.Created, $"{label}: {await response.Content.ReadAsStringAsync()}");
        }
        examples["inactivity"]!["value"]!["name"]!.GetValue<string>().ShouldBe("90-day win-back");
        foreach (var (label, example) in examples.Skip(1))
            example!["value"]!["trigger"]!["type"]!.GetValue<string>().ShouldBe(label);
    }

    private static string? Reference(JsonNode schema) =>
        (schema["$ref"] ?? schema["anyOf"]?[0]?["$ref"])?.GetValue<string>().Split('/')[^1];
}
