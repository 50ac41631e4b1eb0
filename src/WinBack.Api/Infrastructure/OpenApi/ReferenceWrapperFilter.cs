using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>
/// Swashbuckle wraps a field's <c>$ref</c> in a one-item <c>allOf</c> to keep the field's description, and marks a nullable one
/// with <c>type: "null"</c> beside it, which in OpenAPI 3.1 means "null and the referenced type at once" (nothing matches).
/// OpenAPI 3.1 allows a description beside a <c>$ref</c>, so this writes the forms 3.1 means: a plain <c>$ref</c> with its
/// description, or for a nullable field <c>anyOf: [$ref, {type: "null"}]</c>.
/// </summary>
public sealed class ReferenceWrapperFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var visited = new HashSet<IOpenApiSchema>(ReferenceEqualityComparer.Instance);
        foreach (var schema in document.Components?.Schemas?.Values ?? [])
            Visit(schema, visited);
        foreach (var schema in OpenApiWalk.OperationSchemas(document))
            Visit(schema, visited);
    }

    private static void Visit(IOpenApiSchema schema, HashSet<IOpenApiSchema> visited)
    {
        if (schema is not OpenApiSchema concrete || !visited.Add(schema))
            return;
        if (concrete.Properties is { } properties)
            foreach (var name in properties.Keys.ToList())
                properties[name] = Unwrap(properties[name], visited);
        if (concrete.Items is { } items)
            concrete.Items = Unwrap(items, visited);
        if (concrete.AdditionalProperties is { } values)
            concrete.AdditionalProperties = Unwrap(values, visited);
        foreach (var list in new[] { concrete.AllOf, concrete.AnyOf, concrete.OneOf })
            for (var i = 0; list is not null && i < list.Count; i++)
                list[i] = Unwrap(list[i], visited);
    }

    private static IOpenApiSchema Unwrap(IOpenApiSchema schema, HashSet<IOpenApiSchema> visited)
    {
        if (schema is not OpenApiSchema { AllOf: [OpenApiSchemaReference reference] } wrapper || wrapper.Properties is { Count: > 0 })
        {
            Visit(schema, visited);
            return schema;
        }
        var description = wrapper.Description ?? reference.Description;
        if (wrapper.Type is { } type && type.HasFlag(JsonSchemaType.Null))
        {
            wrapper.AllOf = null;
            wrapper.Type = null;
            wrapper.AnyOf = [reference, new OpenApiSchema { Type = JsonSchemaType.Null }];
            wrapper.Description = description;
            return wrapper;
        }
        return new OpenApiSchemaReference(reference.Reference.Id!, reference.Reference.HostDocument)
        {
            Description = description, Examples = wrapper.Examples,
        };
    }
}
