using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>
/// A query or header parameter whose inline enum is exactly a named enum schema's set (a report's groupBy, a delivery's
/// status) refers to that schema instead, so a generated client types it with the same enum as the bodies do.
/// </summary>
public sealed class NamedEnumParameterFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        if (document.Components?.Schemas is not { } schemas)
            return;
        var named = new Dictionary<string, string>();
        foreach (var (name, schema) in schemas)
            if (schema.Enum is { Count: > 0 } values)
                named.TryAdd(Key(values), name);
        foreach (var parameter in OpenApiWalk.Operations(document).SelectMany(o => o.Parameters ?? []).OfType<OpenApiParameter>())
            if (parameter.Schema is OpenApiSchema { Enum: { Count: > 0 } values } && named.TryGetValue(Key(values), out var id))
                parameter.Schema = new OpenApiSchemaReference(id, document);
    }

    private static string Key(IEnumerable<JsonNode> values) => string.Join('\n', values.Select(v => v.ToJsonString()).Order(StringComparer.Ordinal));
}
