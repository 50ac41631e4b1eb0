using Microsoft.OpenApi;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>The schemas that operations hold inline (parameters, bodies, responses), for document filters that rewrite schemas.</summary>
internal static class OpenApiWalk
{
    public static IEnumerable<OpenApiOperation> Operations(OpenApiDocument document) => Operations(document.Paths.Values);

    /// <summary>The operations of the document's <c>webhooks</c> section (what WinBack sends).</summary>
    public static IEnumerable<OpenApiOperation> WebhookOperations(OpenApiDocument document) => Operations(document.Webhooks?.Values ?? []);

    private static IEnumerable<OpenApiOperation> Operations(IEnumerable<IOpenApiPathItem> items) =>
        items.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []);

    public static IEnumerable<IOpenApiSchema> OperationSchemas(OpenApiDocument document) => SchemasOf(Operations(document));

    public static IEnumerable<IOpenApiSchema> SchemasOf(IEnumerable<OpenApiOperation> operations) =>
        operations.SelectMany(operation =>
            (operation.Parameters ?? []).OfType<OpenApiParameter>().Select(p => p.Schema)
            .Concat(operation.RequestBody?.Content?.Values.Select(m => m.Schema) ?? [])
            .Concat((operation.Responses?.Values.AsEnumerable() ?? []).OfType<OpenApiResponse>().SelectMany(r => r.Content?.Values.Select(m => m.Schema) ?? [])))
        .OfType<IOpenApiSchema>();

    /// <summary>The names of the component schemas that <paramref name="roots"/> use, directly or through other components.</summary>
    public static HashSet<string> ReferencedSchemas(IDictionary<string, IOpenApiSchema> components, IEnumerable<IOpenApiSchema> roots)
    {
        var names = new HashSet<string>();
        var seen = new HashSet<IOpenApiSchema>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<IOpenApiSchema>(roots);
        while (pending.TryPop(out var schema))
        {
            if (!seen.Add(schema))
                continue;
            if (schema is OpenApiSchemaReference { Reference.Id: { } id })
            {
                if (names.Add(id) && components.TryGetValue(id, out var target))
                    pending.Push(target);
                continue;
            }
            foreach (var child in (schema.Properties?.Values ?? []).Concat(schema.AllOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.OneOf ?? [])
                         .Append(schema.Items).Append(schema.AdditionalProperties).OfType<IOpenApiSchema>())
                pending.Push(child);
        }
        return names;
    }
}
