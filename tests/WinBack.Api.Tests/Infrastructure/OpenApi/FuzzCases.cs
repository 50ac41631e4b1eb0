using System.Text.Json.Nodes;

namespace WinBack.Api.Tests.Infrastructure.OpenApi;

/// <summary>Schema lookups in the served document: $ref and allOf wrappers resolved to the schema they stand for.</summary>
internal static class FuzzSchemas
{
    public static JsonNode? Resolve(JsonNode document, JsonNode? schema)
    {
        for (var i = 0; i < 10 && schema is not null; i++)
        {
            if (schema["$ref"]?.GetValue<string>() is { } reference)
                schema = document["components"]!["schemas"]![reference.Split('/')[^1]];
            else if (schema["allOf"] is JsonArray { Count: 1 } allOf && schema["properties"] is null)
                schema = allOf[0];
            // OpenAPI 3.1's nullable reference: anyOf [the schema, {type: null}].
            else if (schema["anyOf"] is JsonArray anyOf && anyOf.Count(s => Type(s) != "null") == 1 && schema["properties"] is null)
                schema = anyOf.First(s => Type(s) != "null");
            else
                return schema;
        }
        return schema;
    }

    /// <summary>For a oneOf with a discriminator (a rule's trigger or reward), the variant the example's <c>type</c> picks.</summary>
    public static JsonNode? Variant(JsonNode document, JsonNode? schema, JsonNode? example) =>
        schema?["discriminator"]?["mapping"]?[example?["type"]?.GetValue<string>() ?? ""] is { } reference
            ? Resolve(document, new JsonObject { ["$ref"] = reference.GetValue<string>() })
            : schema;

    public static ISet<string> PropertyNames(JsonNode document, JsonNode? schema) =>
        Resolve(document, schema)?["properties"]?.AsObject().Select(p => p.Key).ToHashSet() ?? [];

    /// <summary>
    /// Whether the document says this value is wrong for the field: its type, format, range, length, pattern or values, or the
    /// date range its description states. Null, and text that is wrong for every field (NUL, surrogates), are left to the rest of the run.
    /// </summary>
    public static bool Breaks(JsonNode? schema, JsonNode? value)
    {
        if (schema is null || value is null || Type(schema) is not { } type)
            return false;
        switch (type)
        {
            case "integer":
                return value is not JsonValue number || !number.TryGetValue<decimal>(out var n) || n != decimal.Truncate(n)
                       || Number(schema, "minimum") is { } min && n < min || Number(schema, "maximum") is { } max && n > max;
            case "string":
                if (value is not JsonValue text || !text.TryGetValue<string>(out var s))
                    return true;
                if (s.Contains('\0') || s.Any(char.IsSurrogate))
                    return false;
                return Int(schema, "maxLength") is { } maxLength && s.Length > maxLength
                       || Int(schema, "minLength") is { } minLength && s.Length < minLength
                       || schema["pattern"]?.GetValue<string>() is { } pattern && !System.Text.RegularExpressions.Regex.IsMatch(s, pattern)
                       || schema["enum"] is JsonArray values && values.All(v => v!.GetValue<string>() != s)
                       || Format(schema) is "date" or "date-time" && !InDocumentedRange(schema, s);
            case "boolean":
                return value is not JsonValue flag || !flag.TryGetValue<bool>(out _);
            case "array":
                return value is not JsonArray items || Int(schema, "maxItems") is { } maxItems && items.Count > maxItems;
            case "object":
                return value is not JsonObject map || Int(schema, "maxProperties") is { } maxProperties && map.Count > maxProperties;
            default:
                return false;
        }
    }

    private static bool InDocumentedRange(JsonNode schema, string text)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        if (!DateTimeOffset.TryParse(text, culture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
            return false;
        var description = schema["description"]?.GetValue<string>() ?? "";
        return !description.Contains("Between 1970-01-01", StringComparison.Ordinal)
               || at >= new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero) && at <= new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }

    // OpenAPI 3.1 writes a nullable type as ["null", "string"]: the type is the one that is not null.
    public static string? Type(JsonNode? schema) => schema?["type"] switch
    {
        JsonArray types => types.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null"),
        { } type => type.GetValue<string>(),
        null => null,
    };
    public static string? Format(JsonNode? schema) => schema?["format"]?.GetValue<string>();
    public static int? Int(JsonNode? schema, string keyword) => schema?[keyword] is JsonValue v ? (int)v.GetValue<decimal>() : null;
    public static decimal? Number(JsonNode? schema, string keyword) => schema?[keyword] is JsonValue v ? v.GetValue<decimal>() : null;
}

/// <summary>
/// The boundary values of one operation: per parameter (path, query, header) and per body field, one request per value,
/// each on top of the baseline request; plus bodies that are not what the operation takes at all.
/// </summary>
internal sealed class FuzzCases(JsonNode document, FuzzOperation operation)
{
    private static readonly string Long = new('x', 10_001);

    public IEnumerable<FuzzCase> For(FuzzRequest baseline)
    {
        yield return new FuzzCase("baseline", "", baseline);
        foreach (var parameter in operation.Parameters)
        {
            var name = parameter["name"]!.GetValue<string>();
            var schema = FuzzSchemas.Resolve(document, parameter["schema"]);
            switch (parameter["in"]!.GetValue<string>())
            {
                case "path":
                    foreach (var value in PathValues(schema))
                        yield return new FuzzCase($"path {name}", value,
                            baseline with { PathValues = new Dictionary<string, string>(baseline.PathValues) { [name] = value } });
                    break;
                case "query":
                    var described = schema?.DeepClone() as JsonObject;
                    if (described is not null && parameter["description"] is { } description)
                        described["description"] = description.DeepClone();
                    foreach (var (key, value) in QueryValues(name, parameter, schema))
                        yield return new FuzzCase($"query {key}", value, baseline with { Query = [.. baseline.Query, (key, value)] },
                            BreaksDocument: key == name && FuzzSchemas.Breaks(described, AsJson(schema, value)));
                    break;
                case "header":
                    foreach (var value in HeaderValues(schema))
                        yield return new FuzzCase($"header {name}", value,
                            baseline with { Headers = new Dictionary<string, string>(baseline.Headers) { [name] = value } },
                            BreaksDocument: value.Length > 0 && FuzzSchemas.Breaks(schema, JsonValue.Create(value)));
                    break;
            }
        }
        if (baseline.Body is not { } body)
            yield break;
        foreach (var whole in WholeBodies(body.ContentType, body.Body))
            yield return new FuzzCase("body", whole.Body, baseline with { Body = whole });
        if (body.ContentType != "application/json" || JsonNode.Parse(body.Body) is not JsonObject root)
            yield break;
        var bodySchema = operation.Operation["requestBody"]!["content"]!["application/json"]!["schema"];
        var n = 0;
        foreach (var (path, fieldSchema) in Fields(root, bodySchema, []))
            foreach (var value in JsonValues(fieldSchema).Distinct())
                yield return new FuzzCase($"body {string.Join('.', path)}", value,
                    baseline with { Body = (body.ContentType, Replace(Unique(root, path, n++), path, value)) },
                    BreaksDocument: FuzzSchemas.Breaks(fieldSchema, Parsed(value)),
                    AwaitsMoneyBound: path[^1].EndsWith("mount", StringComparison.Ordinal) && fieldSchema?["maximum"] is null
                                      && decimal.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var amount)
                                      && Math.Abs(amount) > 1_000_000_000_000m);
    }

    private static JsonNode? Parsed(string rawJson)
    {
        if (rawJson.Contains("\\ud", StringComparison.OrdinalIgnoreCase))
            return null; // an escaped surrogate: wrong for every field, and unreadable as a string here
        try
        {
            return JsonNode.Parse(rawJson);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    // A query value as the JSON value it stands for: a number where the parameter is an integer and the text is one.
    private static JsonNode AsJson(JsonNode? schema, string value) =>
        FuzzSchemas.Type(schema) == "integer" && decimal.TryParse(value, System.Globalization.NumberStyles.Integer | System.Globalization.NumberStyles.AllowDecimalPoint,
            System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : JsonValue.Create(value);

    private static IEnumerable<string> PathValues(JsonNode? schema) =>
        [" ", "é✓😀", Long, "0", "-1", "a b", "%", "x;y", "rule_0000000000000000000000000a", "\"'", .. Strings(schema).Where(v => v.Length > 0 && !v.Contains('\0'))];

    private static IEnumerable<string> HeaderValues(JsonNode? schema) =>
        ["", " ", "\0", "a\0b", "é", new string('k', 256), "\t", "0", "-1", "\"0\"", "W/\"2147483648\"", .. Strings(schema)];

    private IEnumerable<(string Key, string Value)> QueryValues(string name, JsonNode parameter, JsonNode? schema)
    {
        if (parameter["style"]?.GetValue<string>() == "deepObject")
        {
            foreach (var (key, value) in new[] { ($"{name}[k]", "\0"), ($"{name}[\0]", "x"), ($"{name}[]", "x"), ($"{name}[k]", ""), ($"{name}[k]", Long), (name, "x") })
                yield return (key, value);
            yield break;
        }
        var values = new List<string> { "", " ", "\0", "a\0b", "é✓😀", Long, "abc", "-1", "0", "1.5", "true", "[]" };
        values.AddRange(FuzzSchemas.Type(schema) switch
        {
            "integer" => Integers(schema).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            "string" when FuzzSchemas.Format(schema) == "date" => ["0001-01-01", "9999-12-31", "1969-12-31", "1970-01-01", "2100-01-01", "2100-01-02", "2026-02-30"],
            "string" when FuzzSchemas.Format(schema) == "date-time" => Dates.Select(d => d.Trim('"')),
            _ => Strings(schema),
        });
        foreach (var value in values.Distinct())
            yield return (name, value);
    }

    private static IEnumerable<(string ContentType, string Body)> WholeBodies(string contentType, string example) =>
    [
        (contentType, ""), (contentType, "{"), (contentType, "[]"), (contentType, "null"), (contentType, "\"x\""), (contentType, "{\"\\u0000\":1}"),
        (contentType, "\"\\ud800\""), ("text/plain", example),
        (contentType, contentType == "application/json" && example.StartsWith('{') ? example.Insert(1, "\"unknownField\":1,") : example + "\n{\"x\":\"\\u0000\"}"),
    ];

    /// <summary>Every field of the body: nested objects, the first item of arrays, and fields the example leaves out.</summary>
    private IEnumerable<(List<string> Path, JsonNode? Schema)> Fields(JsonNode? example, JsonNode? schema, List<string> path)
    {
        var resolved = FuzzSchemas.Variant(document, FuzzSchemas.Resolve(document, schema), example);
        if (resolved?["properties"] is JsonObject properties)
            foreach (var (name, property) in properties)
            {
                var at = new List<string>(path) { name };
                yield return (at, FuzzSchemas.Resolve(document, property));
                var child = example is JsonObject o && o.TryGetPropertyValue(name, out var value) ? value : null;
                if (child is JsonObject or JsonArray && path.Count < 4)
                    foreach (var inner in Fields(child, property, at))
                        yield return inner;
            }
        else if (FuzzSchemas.Type(resolved) == "array" && example is JsonArray { Count: > 0 } items && items[0] is JsonObject)
            foreach (var inner in Fields(items[0], resolved!["items"], [.. path, "0"]))
                yield return inner;
    }

    private static readonly string[] Dates =
    [
        "\"0001-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59Z\"", "\"1969-12-31T23:59:59Z\"", "\"1970-01-01T00:00:00Z\"",
        "\"2100-01-01T00:00:00Z\"", "\"2100-01-01T00:00:01Z\"", "\"2026-02-30T00:00:00Z\"", "\"2026-11-24T09:00:00+14:00\"", "\"yesterday\"",
    ];

    /// <summary>Raw JSON values for a field of this schema.</summary>
    private IEnumerable<string> JsonValues(JsonNode? schema)
    {
        string[] common = ["null", "\"\"", "\" \"", "\"a\\u0000b\"", "\"\\ud800\"", "\"\\udc00x\"", "\"é✓😀\"", "true", "[]", "{}", "-1", "1.5"];
        foreach (var value in common)
            yield return value;
        switch (FuzzSchemas.Type(schema))
        {
            case "integer":
                foreach (var n in Integers(schema))
                    yield return n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                yield return "1e30";
                yield return "\"1\"";
                break;
            case "string" when FuzzSchemas.Format(schema) == "date-time":
                foreach (var d in Dates)
                    yield return d;
                break;
            case "string":
                foreach (var s in Strings(schema))
                    yield return System.Text.Json.JsonSerializer.Serialize(s);
                yield return "12";
                break;
            case "array":
                yield return "[null]";
                yield return "[\"\\u0000\"]";
                yield return "[\"bogus\"]";
                if (FuzzSchemas.Int(schema, "maxItems") is { } maxItems)
                    yield return "[" + string.Join(",", Enumerable.Repeat("{}", maxItems + 1)) + "]";
                break;
            case "object" when schema!["additionalProperties"] is JsonObject:
                yield return "{\"\\u0000\":\"x\"}";
                yield return "{\"k\":\"a\\u0000b\"}";
                yield return "{\"\\ud800\":\"x\"}";
                yield return "{\"\":\"x\"}";
                yield return "{\"k\":null}";
                yield return "{\"k\":1}";
                yield return "{\"k\":" + System.Text.Json.JsonSerializer.Serialize(Long) + "}";
                yield return "{" + string.Join(",", Enumerable.Range(0, (FuzzSchemas.Int(schema, "maxProperties") ?? 100) + 1).Select(i => $"\"k{i}\":\"v\"")) + "}";
                break;
            case "object":
                yield return "{\"unknownField\":1}";
                yield return "\"x\"";
                break;
            default: // free-form JSON (a custom reward's payload)
                yield return "{\"k\":\"a\\u0000b\"}";
                yield return "{\"\\u0000\":1}";
                yield return "{\"k\":[\"\\ud800\"]}";
                yield return "{\"k\":" + System.Text.Json.JsonSerializer.Serialize(Long) + "}";
                yield return "\"x\"";
                break;
        }
        foreach (var enumValue in schema?["enum"]?.AsArray().Take(1) ?? [])
            yield return System.Text.Json.JsonSerializer.Serialize(enumValue!.GetValue<string>().ToUpperInvariant());
    }

    /// <summary>Strings: the documented lengths just inside and outside, and values that break patterns and enums.</summary>
    private static IEnumerable<string> Strings(JsonNode? schema)
    {
        yield return Long;
        yield return "bogus";
        yield return "-1";
        if (FuzzSchemas.Int(schema, "maxLength") is { } max)
        {
            yield return new string('a', max);
            yield return new string('a', max + 1);
        }
        if (FuzzSchemas.Int(schema, "minLength") is { } min and > 0)
            yield return new string('a', min - 1);
    }

    private static IEnumerable<decimal> Integers(JsonNode? schema)
    {
        yield return 0;
        yield return -1;
        yield return int.MaxValue + 1m;
        yield return long.MaxValue;
        yield return long.MinValue;
        yield return long.MaxValue + 1m;
        if (FuzzSchemas.Number(schema, "minimum") is { } min)
        {
            yield return min;
            yield return min - 1;
        }
        if (FuzzSchemas.Number(schema, "maximum") is { } max)
        {
            yield return max;
            yield return max + 1;
        }
    }

    // Fields that deduplicate (a resent activity or redemption changes nothing) get a value of their own in each case,
    // so that every case's other values are written.
    private static readonly string[] Deduplicating = ["externalId", "orderId"];

    private static JsonObject Unique(JsonObject root, List<string> path, int n)
    {
        var copy = root.DeepClone().AsObject();
        foreach (var name in Deduplicating.Where(d => copy[d] is JsonValue && !(path.Count == 1 && path[0] == d)))
            copy[name] = $"{copy[name]}-{n}";
        return copy;
    }

    // The value goes in as a placeholder and is swapped for the raw JSON text, so that escapes such as \ud800 reach the server as written.
    private static string Replace(JsonObject root, List<string> path, string rawValue)
    {
        const string marker = "__fuzz_value__";
        var copy = root.DeepClone();
        JsonNode parent = copy;
        foreach (var step in path[..^1])
        {
            var next = parent is JsonArray array ? array[int.Parse(step)] : parent[step];
            if (next is null)
                return copy.ToJsonString();
            parent = next;
        }
        if (parent is JsonArray items)
            items[int.Parse(path[^1])] = marker;
        else
            parent[path[^1]] = marker;
        return copy.ToJsonString().Replace($"\"{marker}\"", rawValue);
    }
}
