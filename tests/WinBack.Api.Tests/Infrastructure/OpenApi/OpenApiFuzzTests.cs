using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Stripe;
using WinBack.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WinBack.Api.Tests.Infrastructure.OpenApi;

/// <summary>
/// Walks the served OpenAPI document as Schemathesis's coverage phase would: for every operation, every parameter and
/// every body field (nested ones too), it sends boundary values one at a time — empty, whitespace, NUL, an unpaired
/// surrogate, non-ASCII, too long, the ends of the calendar and of the integers, negative, the wrong type — on top of
/// the operation's documented example, against real objects of one tenant. No answer may be a 5xx, and every status
/// must be one the operation documents. The values are a fixed list: the run is the same every time.
/// </summary>
public sealed class OpenApiFuzzTests(StripeApp app, ITestOutputHelper output) : IClassFixture<StripeApp>
{
    private const int Parallel = 8;

    [Fact]
    public async Task Boundary_values_in_every_field_get_a_documented_answer_and_never_a_5xx()
    {
        var document = JsonNode.Parse(await app.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;
        await using var receiver = await WebhookReceiver.StartAsync();
        var fixtures = await FuzzFixtures.CreateAsync(app, receiver.Url);
        var operations = FuzzOperation.All(document).OrderBy(o => o.Destructive).ThenBy(o => o.Path, StringComparer.Ordinal)
            .ThenBy(o => o.Method, StringComparer.Ordinal).ToList();

        var client = app.CreateClient();
        var problems = new ConcurrentBag<string>();
        var awaitingMoneyBound = new ConcurrentBag<string>();
        var seen = new ConcurrentDictionary<string, ConcurrentDictionary<int, int>>();
        var sent = 0;
        foreach (var operation in operations)
        {
            var baseline = operation.Baseline(fixtures);
            var cases = new FuzzCases(document, operation).For(baseline).ToList();
            await System.Threading.Tasks.Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = Parallel }, async (c, _) =>
            {
                using var request = c.Request.ToMessage(fixtures.KeyFor(operation));
                using var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                seen.GetOrAdd(operation.ToString(), _ => new()).AddOrUpdate(status, 1, (_, n) => n + 1);
                if (status >= 500 || !operation.Documents(status))
                    (c.AwaitsMoneyBound ? awaitingMoneyBound : problems)
                        .Add($"{operation} {c.Field} = {Shorten(c.Value)} → {status} {Shorten(await response.Content.ReadAsStringAsync())}");
                else if (c.BreaksDocument && status < 400 && !await RejectedItemAsync(operation, c, response))
                    problems.Add($"{operation} {c.Field} = {Shorten(c.Value)} → {status}, though the document says the value is invalid");
                Interlocked.Increment(ref sent);
            });
        }

        // What each operation answered, to see which ones the values got past validation.
        foreach (var (name, statuses) in seen.OrderBy(s => s.Key, StringComparer.Ordinal))
            output.WriteLine($"{name}: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        output.WriteLine($"{sent} requests over {operations.Count} operations.");
        foreach (var pending in awaitingMoneyBound.Order(StringComparer.Ordinal))
            output.WriteLine($"Awaits the money bound: {pending}");
        sent.ShouldBeGreaterThan(1000);
        problems.ShouldBeEmpty($"{problems.Count} of {sent} requests got a 5xx or an undocumented status:\n" +
                               string.Join("\n", problems.Order(StringComparer.Ordinal).Take(200)));
    }

    // The batch answers 200 and rejects a bad item in its result, as its description says.
    private static async Task<bool> RejectedItemAsync(FuzzOperation operation, FuzzCase c, HttpResponseMessage response) =>
        operation.Path == "/v1/activities/batch" && c.Field.StartsWith("body activities.0.", StringComparison.Ordinal)
        && JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("results")[0]
            .GetProperty("status").GetString() == "rejected";

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + $"…({text.Length})";
}

/// <summary>Objects of one tenant for the operations to act on: path parameters are filled with their ids.</summary>
internal sealed class FuzzFixtures
{
    public required TestTenant Tenant { get; init; }
    public required Dictionary<string, string> Ids { get; init; }

    public string? KeyFor(FuzzOperation operation) =>
        operation.Path == "/v1/tenants" ? WinBackApp.PlatformKey
        : operation.Path.StartsWith("/v1/integrations/stripe/webhooks/", StringComparison.Ordinal) ? null
        : Tenant.AdminKey.Secret;

    public static async Task<FuzzFixtures> CreateAsync(WinBackApp app, string receiverUrl)
    {
        var tenant = await app.CreateTenantAsync();
        var admin = tenant.Admin;
        // The document's examples are dated around its own "now" (2026-11-24T09:00Z); a day later they are all in the past.
        await Ok(admin.PostAsync("/v1/test-clock/advance", Json("""{"to":"2026-11-25T09:00:00Z"}""")));
        const string customer = "cus_fuzz";
        await Ok(admin.PutAsync($"/v1/customers/{customer}", Json("""{"email":"ada@example.com","attributes":{"channel":"web"}}""")));
        await Ok(admin.PostAsync($"/v1/customers/{customer}/activities", Json("""{"type":"purchase","amount":4990,"currency":"eur"}""")));
        var rule = await Ok(admin.PostAsync("/v1/rules", Json("""
            {"name":"fuzz","trigger":{"type":"inactivity","days":30},"reward":{"type":"account_credit","amount":500,"currency":"eur","expiresInDays":30}}
            """)));
        var reward = await Ok(admin.PostAsync($"/v1/customers/{customer}/rewards", Json("""
            {"reward":{"type":"account_credit","amount":5000,"currency":"eur","expiresInDays":30},"note":"fuzz"}
            """)));
        var redemption = await Ok(admin.PostAsync($"/v1/rewards/{reward.GetProperty("id").GetString()}/redemptions",
            Json("""{"orderId":"A-1","amount":100,"currency":"eur"}""")));
        var endpoint = await Ok(admin.PostAsync("/v1/webhook-endpoints", Json($$"""{"url":"{{receiverUrl}}","events":["*"]}""")));
        var spareKey = await Ok(admin.PostAsync("/v1/api-keys", Json("""{"scope":"ingest"}""")));
        var import = await Ok(admin.PostAsync("/v1/customers/import", new StringContent(
            """{"customerId":"cus_imported","firstSeenAt":"2024-01-01T00:00:00Z","lastActivityAt":"2025-01-01T00:00:00Z","orderCount":1,"lifetimeValue":{"amount":100,"currency":"eur"}}""",
            Encoding.UTF8, "application/x-ndjson")));
        var sweep = await Ok(admin.PostAsync("/v1/sweeps", null));
        var endpointId = endpoint.GetProperty("id").GetString()!;
        await Ok(admin.PostAsync($"/v1/webhook-endpoints/{endpointId}/test", null));
        var deliveries = await Eventually.ReadAsync(() => admin.GetFromJsonAsync($"/v1/webhook-endpoints/{endpointId}/deliveries"),
            page => page.GetProperty("data").GetArrayLength() > 0, "a delivery of the test ping");
        return new FuzzFixtures
        {
            Tenant = tenant,
            Ids = new Dictionary<string, string>
            {
                ["customerId"] = customer, ["tenantId"] = tenant.Id,
                ["/v1/rules/{id}"] = rule.GetProperty("id").GetString()!,
                ["rewardId"] = reward.GetProperty("id").GetString()!,
                ["redemptionId"] = redemption.GetProperty("id").GetString()!,
                ["/v1/webhook-endpoints/{id}"] = endpointId,
                ["/v1/api-keys/{id}"] = spareKey.GetProperty("id").GetString()!,
                ["/v1/imports/{id}"] = import.GetProperty("id").GetString()!,
                ["/v1/sweeps/{id}"] = sweep.GetProperty("id").GetString()!,
                ["/v1/webhook-deliveries/{id}"] = deliveries.GetProperty("data")[0].GetProperty("id").GetString()!,
            },
        };
    }

    /// <summary>The id for a path parameter: by the parameter's name, or by the path up to it ({id} means different objects).</summary>
    public string IdFor(string path, string name)
    {
        if (Ids.TryGetValue(name, out var byName))
            return byName;
        var prefix = path[..(path.IndexOf($"{{{name}}}", StringComparison.Ordinal) + name.Length + 2)];
        return Ids.TryGetValue(prefix, out var byPath) ? byPath : "x_unknown";
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> Ok(Task<HttpResponseMessage> send)
    {
        using var response = await send;
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBeInRange(200, 299, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}

internal static class FuzzHttp
{
    public static async Task<JsonElement> GetFromJsonAsync(this HttpClient client, string path) =>
        JsonDocument.Parse(await client.GetStringAsync(path)).RootElement.Clone();
}

/// <summary>One operation of the document: where its parameters go, its example body, the statuses it documents.</summary>
internal sealed record FuzzOperation(string Method, string Path, JsonNode Operation)
{
    public static IEnumerable<FuzzOperation> All(JsonNode document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(op => op.Key is "get" or "post" or "put" or "patch" or "delete")
            .Select(op => new FuzzOperation(op.Key.ToUpperInvariant(), path.Key, op.Value!)));

    /// <summary>Operations that remove what later ones act on (or move the tenant's clock) run last.</summary>
    public bool Destructive => Method == "DELETE" || Path.EndsWith("/archive", StringComparison.Ordinal)
        || Path.EndsWith("/revoke", StringComparison.Ordinal) || Path.EndsWith("/reversal", StringComparison.Ordinal)
        || Path == "/v1/test-clock/advance";

    /// <summary>The operation's parameters, shared ones (<c>$ref</c> to components, such as API-Version) resolved.</summary>
    public IEnumerable<JsonNode> Parameters => Operation["parameters"]?.AsArray().Select(p => p!["$ref"] is { } reference
        ? Operation.Root["components"]!["parameters"]![reference.GetValue<string>().Split('/')[^1]]!
        : p!) ?? [];

    public bool Documents(int status) => Operation["responses"]![status.ToString()] is not null;

    public (string ContentType, string Body)? ExampleBody(ISet<string> bodyFields)
    {
        if (Operation["requestBody"]?["content"]?.AsObject().FirstOrDefault() is not { Key: var contentType, Value: { } media })
            return null;
        // Named examples (one per trigger type, say): the first one is the baseline.
        var example = media["example"] ?? media["examples"]?.AsObject().FirstOrDefault().Value?["value"];
        if (example is JsonValue raw && raw.TryGetValue<string>(out var text))
            return (contentType, text);
        // Examples show the whole request object; the body is its body fields.
        var body = example?.DeepClone().AsObject() ?? [];
        foreach (var key in body.Select(p => p.Key).Where(k => !bodyFields.Contains(k)).ToList())
            body.Remove(key);
        return (contentType, body.ToJsonString());
    }

    public FuzzRequest Baseline(FuzzFixtures fixtures)
    {
        var path = new Dictionary<string, string>();
        var headers = new Dictionary<string, string>();
        foreach (var parameter in Parameters)
        {
            var name = parameter["name"]!.GetValue<string>();
            switch (parameter["in"]!.GetValue<string>())
            {
                case "path":
                    path[name] = fixtures.IdFor(Path, name);
                    break;
                case "header" when parameter["required"]?.GetValue<bool>() == true:
                    headers[name] = name == "If-Match" ? "\"1\"" : "x";
                    break;
            }
        }
        var schema = Operation["requestBody"]?["content"]?.AsObject().FirstOrDefault().Value?["schema"];
        return new FuzzRequest(Method, Path, path, [], headers, ExampleBody(FuzzSchemas.PropertyNames(Root(), schema)));
    }

    private JsonNode Root() => Operation.Root;

    public override string ToString() => $"{Method} {Path}";
}

/// <summary>A request to send; cases change one part of the baseline.</summary>
internal sealed record FuzzRequest(string Method, string Path, Dictionary<string, string> PathValues, List<(string Name, string Value)> Query,
    Dictionary<string, string> Headers, (string ContentType, string Body)? Body)
{
    public HttpRequestMessage ToMessage(string? key)
    {
        var path = PathValues.Aggregate(Path, (p, v) => p.Replace($"{{{v.Key}}}", Uri.EscapeDataString(v.Value)));
        var query = Query.Count == 0 ? "" : "?" + string.Join("&", Query.Select(q => $"{Escape(q.Name)}={Escape(q.Value)}"));
        var message = new HttpRequestMessage(new HttpMethod(Method), path + query);
        if (key is not null)
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        foreach (var (name, value) in Headers)
            message.Headers.TryAddWithoutValidation(name, value);
        if (Body is { } body)
            message.Content = new StringContent(body.Body, Encoding.UTF8, body.ContentType);
        return message;
    }

    // Keeps [ and ] of deepObject names (attribute[channel]) as they are written.
    private static string Escape(string text) => Uri.EscapeDataString(text).Replace("%5B", "[").Replace("%5D", "]");
}

/// <summary>One request of the run: which field it changes, to what.</summary>
/// <param name="AwaitsMoneyBound">
/// An amount over 10^12 in a field whose maximum the document does not state yet: the money bound of issue 23 (0 to 10^12 minor
/// units on every amount, a change of its own) answers it with 400. Until then such a case is listed in the output, not failed;
/// once the bound states its maximum there is nothing left to tolerate.
/// </param>
/// <param name="BreaksDocument">The document says the value is invalid for the field: the answer must be a 4xx.</param>
internal sealed record FuzzCase(string Field, string Value, FuzzRequest Request, bool BreaksDocument = false, bool AwaitsMoneyBound = false);
