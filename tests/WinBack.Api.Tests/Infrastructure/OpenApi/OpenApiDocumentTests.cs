using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Infrastructure.OpenApi;

public sealed partial class OpenApiDocumentTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private const string CommittedPath = "openapi/winback.v1.json";
    private static readonly string[] Verbs = ["get", "post", "put", "patch", "delete"];

    private async Task<JsonNode> ServedDocumentAsync() =>
        JsonNode.Parse(await app.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;

    /// <summary>Regenerate with: WINBACK_UPDATE_OPENAPI=1 dotnet test --filter OpenApiDocumentTests</summary>
    [Fact]
    public async Task The_committed_document_matches_what_the_code_generates()
    {
        var served = (await ServedDocumentAsync()).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        var path = Path.Combine(RepositoryRoot(), CommittedPath);

        if (Environment.GetEnvironmentVariable("WINBACK_UPDATE_OPENAPI") == "1")
            await File.WriteAllTextAsync(path, served);

        File.Exists(path).ShouldBeTrue($"{CommittedPath} is missing; run WINBACK_UPDATE_OPENAPI=1 dotnet test --filter OpenApiDocumentTests");
        var committed = await File.ReadAllTextAsync(path);
        JsonNode.DeepEquals(JsonNode.Parse(committed), JsonNode.Parse(served)).ShouldBeTrue(
            $"{CommittedPath} differs from the generated document. Regenerate it with " +
            "WINBACK_UPDATE_OPENAPI=1 dotnet test --filter OpenApiDocumentTests and review the diff.");
    }

    [Fact]
    public async Task Every_operation_is_documented_truthfully()
    {
        var document = await ServedDocumentAsync();
        var operations = Operations(document).ToList();
        operations.ShouldNotBeEmpty();

        foreach (var (path, verb, operation) in operations)
        {
            var name = $"{verb.ToUpperInvariant()} {path}";
            operation["summary"]?.GetValue<string>().ShouldNotBeNullOrWhiteSpace(name);
            // Every operation needs a key, except Stripe's webhook receiver, which is signed instead: it says security: [], requires
            // the signature header, and must not promise a 401.
            var security = operation["security"].ShouldNotBeNull($"{name} documents no security").AsArray();
            if (security.Count == 0)
            {
                path.ShouldStartWith("/v1/integrations/stripe/webhooks/", customMessage: $"{name} needs no key");
                operation["responses"]!["401"].ShouldBeNull(name);
                operation["parameters"]!.AsArray().ShouldContain(p => p!["name"]!.GetValue<string>() == "Stripe-Signature"
                                                                      && p["in"]!.GetValue<string>() == "header" && p["required"]!.GetValue<bool>(), name);
            }
            if (verb is "get" or "delete")
                operation["requestBody"].ShouldBeNull($"{name} must not document a request body");

            var parameters = operation["parameters"]?.AsArray() ?? [];
            foreach (var routeParam in RouteParameter().Matches(path).Select(m => m.Groups[1].Value))
                parameters.ShouldContain(p => p!["name"]!.GetValue<string>() == routeParam && p["in"]!.GetValue<string>() == "path",
                    $"{name} must declare path parameter {routeParam}");

            var responses = operation["responses"]!.AsObject();
            responses.ShouldContain(r => r.Key.StartsWith('2'), name);
            foreach (var status in security.Count == 0 ? ["429"] : new[] { "401", "403", "429" })
                responses.ContainsKey(status).ShouldBeTrue($"{name} must document {status}");
            foreach (var (status, response) in responses.Where(r => int.Parse(r.Key) >= 400))
                Resolved(document, response!)["content"]!["application/problem+json"]!["example"]!["code"].ShouldNotBeNull($"{name} {status} needs a problem example");
            foreach (var (status, response) in responses.Where(r => r.Key.StartsWith('2') && r.Value!["content"] is not null))
                response!["content"]!["application/json"]!["example"].ShouldNotBeNull($"{name} {status} needs an example");
            if (operation["requestBody"] is { } body)
                body["content"]!.AsObject().ShouldAllBe(media => media.Value!["example"] != null
                                                                 || media.Value!["examples"]!.AsObject().All(e => e.Value!["value"] != null),
                    $"{name} needs a request example");
            if (verb == "post")
                parameters.ShouldContain(p => p!["name"]!.GetValue<string>() == "Idempotency-Key", name);
        }
    }

    [Fact]
    public async Task Swagger_ui_is_served()
    {
        var html = await app.CreateClient().GetStringAsync("/swagger/index.html");

        html.ShouldContain("swagger-ui");
    }

    private static IEnumerable<(string Path, string Verb, JsonNode Operation)> Operations(JsonNode document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(op => Verbs.Contains(op.Key))
            .Select(op => (path.Key, op.Key, op.Value!)));

    // A shared answer ({"$ref": "#/components/responses/BadRequest"}) stands for the one it names.
    private static JsonNode Resolved(JsonNode document, JsonNode node) =>
        node["$ref"]?.GetValue<string>() is { } reference
            ? reference.TrimStart('#', '/').Split('/').Aggregate(document, (at, step) => at[step.Replace("~1", "/").Replace("~0", "~")]!)
            : node;

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "WinBack.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("WinBack.sln not found above the test folder.");
    }

    [GeneratedRegex(@"\{([A-Za-z0-9_]+)\}")]
    private static partial Regex RouteParameter();
}
