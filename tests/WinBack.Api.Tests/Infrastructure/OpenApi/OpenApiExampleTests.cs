extern alias JsonSchemaNet;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using JsonSchemaNet::Json.Schema;
using WinBack.Api.Features.Webhooks;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Rules;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Tests.Infrastructure.OpenApi;

/// <summary>
/// Every example in the served document (bodies, responses, parameters, headers, webhooks, and schemas' own <c>examples</c>)
/// is valid against its schema under JSON Schema 2020-12, the dialect of OpenAPI 3.1: generated clients and Swagger UI's
/// "try it out" start from these examples, and a wrong one teaches the wrong shape.
/// </summary>
public sealed partial class OpenApiExampleTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task Every_example_is_valid_against_its_schema()
    {
        var document = JsonNode.Parse(await app.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;

        var examples = OpenApiExamples.All(document).ToList();
        var invalid = OpenApiExamples.Invalid(document, examples);

        examples.Count.ShouldBeGreaterThan(250, "the walk found the document's examples");
        examples.ShouldContain(e => e.Where.Contains("/parameters/"), "parameter examples are checked");
        examples.ShouldContain(e => e.Where.StartsWith("#/components/schemas/"), "schema examples are checked");
        invalid.ShouldBeEmpty($"{invalid.Count} of {examples.Count} examples do not match their schema:\n{string.Join("\n", invalid.Take(50))}");
    }

    [Fact]
    public async Task A_broken_example_is_caught()
    {
        var document = JsonNode.Parse(await app.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;
        // The rule example's reward amount as text, and an activity's type outside its enum.
        var rules = document["paths"]!["/v1/rules"]!["post"]!["requestBody"]!["content"]!["application/json"]!["examples"]!["inactivity"]!["value"]!;
        rules["reward"]!["amount"] = "1000";
        document["paths"]!["/v1/customers/{customerId}/activities"]!["post"]!["requestBody"]!["content"]!["application/json"]!["example"]!["type"] = "bought";

        var invalid = OpenApiExamples.Invalid(document, OpenApiExamples.All(document).ToList());

        invalid.Count.ShouldBe(2, string.Join("\n", invalid));
        invalid.ShouldContain(i => i.Contains("~1v1~1rules/post/requestBody", StringComparison.Ordinal));
        invalid.ShouldContain(i => i.Contains("activities/post/requestBody", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_example_holds_a_path_template()
    {
        var document = JsonNode.Parse(await app.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;

        var templated = OpenApiExamples.All(document).Where(e => PathTemplate().IsMatch(e.Value.ToJsonString())).Select(e => e.Where).ToList();

        templated.ShouldBeEmpty("examples must hold real values, not {id}");
    }

    [Fact]
    public async Task The_webhooks_section_has_one_payload_per_event_type_and_real_bodies_match_it()
    {
        var document = JsonNode.Parse(await app.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;
        var at = DateTimeOffset.Parse("2026-11-24T09:05:00Z");
        var ping = WebhookEventPayload.PingBody("evt_01jdq3w5x8k2m9v4r7t6y1z0ai", "ten_01jdq3w5x8k2m9v4r7t6y1z0aa", "we_01jdq3w5x8k2m9v4r7t6y1z0ae", at);
        var archived = WebhookEventPayload.Body("evt_01jdq3w5x8k2m9v4r7t6y1z0aj", WebhookEventTypes.RuleUpdated, "ten_01jdq3w5x8k2m9v4r7t6y1z0aa", null, 3, at,
            new RuleArchived("rule_01jdq3w5x8k2m9v4r7t6y1z0ae", "key_01jdq3w5x8k2m9v4r7t6y1z0ab", at), null, null);
        var issued = JsonSerializer.Serialize(WebhookEventView.Example, WinBackJson.Options);

        document["webhooks"]!.AsObject().Select(w => w.Key).ShouldBe(WebhookEventTypes.Delivered);
        var invalid = OpenApiExamples.Invalid(document,
        [
            new("ping", "#/components/schemas/PingWebhook", JsonNode.Parse(ping)!),
            new("rule.updated", "#/components/schemas/RuleUpdatedWebhook", JsonNode.Parse(archived)!),
            new("reward.issued", "#/components/schemas/RewardIssuedWebhook", JsonNode.Parse(issued)!),
            new("ping is not reward.issued", "#/components/schemas/RewardIssuedWebhook", JsonNode.Parse(ping)!),
        ]);
        invalid.ShouldHaveSingleItem().ShouldStartWith("ping is not reward.issued");
    }

    [GeneratedRegex(@"\{[A-Za-z]+\}")]
    private static partial Regex PathTemplate();
}

/// <summary>Finds the examples of an OpenAPI 3.1 document and checks each against its schema with JsonSchema.Net.</summary>
internal static class OpenApiExamples
{
    private static readonly Uri Base = new("https://winback.test/openapi.json");

    /// <summary>One example: where it is (a JSON pointer), the pointer of its schema, and its value.</summary>
    public sealed record Example(string Where, string Schema, JsonNode Value);

    public static IEnumerable<Example> All(JsonNode document) => Walk(document, document, "#", inSchema: false);

    /// <summary>The examples that do not match their schema, each with the first errors JsonSchema.Net reports.</summary>
    public static List<string> Invalid(JsonNode document, IReadOnlyList<Example> examples)
    {
        var registry = new SchemaRegistry();
        registry.Register(new JsonElementBaseDocument(JsonSerializer.SerializeToElement(document), Base));
        // OpenAPI 3.1's dialect is 2020-12 plus keywords (discriminator, xml, externalDocs) that are annotations to JSON Schema.
        var dialect = Dialect.Draft202012.With([], new Uri("https://winback.test/dialect/openapi-3.1"), allowUnknownKeywords: true);
        var options = new BuildOptions { SchemaRegistry = registry, Dialect = dialect };
        var evaluation = new EvaluationOptions { OutputFormat = OutputFormat.List };
        var invalid = new List<string>();
        foreach (var example in examples)
        {
            // The pointer goes in a URI fragment: each step percent-encoded (application~1problem+json, {customerId}).
            var fragment = string.Join('/', example.Schema.Split('/').Select(step => step == "#" ? step : Uri.EscapeDataString(step)));
            var schema = JsonSchema.FromText($$"""{"$ref": "{{Base}}{{fragment}}"}""", options);
            var result = schema.Evaluate(JsonSerializer.SerializeToElement(example.Value), evaluation);
            if (!result.IsValid)
                invalid.Add($"{example.Where}: " + string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                    .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Value}")).Take(3)));
        }
        return invalid;
    }

    private static IEnumerable<Example> Walk(JsonNode document, JsonNode? node, string pointer, bool inSchema)
    {
        if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
                foreach (var found in Walk(document, array[i], $"{pointer}/{i}", inSchema))
                    yield return found;
            yield break;
        }
        if (node is not JsonObject obj)
            yield break;

        if (inSchema && obj["examples"] is JsonArray schemaExamples)
            for (var i = 0; i < schemaExamples.Count; i++)
                yield return new Example($"{pointer}/examples/{i}", pointer, schemaExamples[i] ?? JsonValue.Create((string?)null)!);
        // A media type, parameter or header: its example, or its named examples, against its schema.
        if (!inSchema && obj["schema"] is JsonObject)
        {
            if (obj["example"] is { } example)
                yield return new Example($"{pointer}/example", $"{pointer}/schema", example);
            foreach (var (name, named) in obj["examples"] as JsonObject ?? [])
                if (Resolve(document, named)?["value"] is { } value)
                    yield return new Example($"{pointer}/examples/{Escape(name)}", $"{pointer}/schema", value);
        }

        foreach (var (key, child) in obj)
        {
            var childPointer = $"{pointer}/{Escape(key)}";
            // Below components/schemas, "schema", or a schema keyword, everything is schema; examples there are arrays, handled above.
            var childInSchema = inSchema || key == "schema" || pointer == "#/components/schemas";
            if (inSchema && key is "examples" or "example" or "enum" or "const" or "default")
                continue;
            foreach (var found in Walk(document, child, childPointer, childInSchema))
                yield return found;
        }
    }

    private static JsonNode? Resolve(JsonNode document, JsonNode? node) =>
        node?["$ref"]?.GetValue<string>() is { } reference
            ? reference.TrimStart('#', '/').Split('/').Aggregate((JsonNode?)document, (at, step) => at?[step.Replace("~1", "/").Replace("~0", "~")])
            : node;

    private static string Escape(string key) => key.Replace("~", "~0").Replace("/", "~1");
}
