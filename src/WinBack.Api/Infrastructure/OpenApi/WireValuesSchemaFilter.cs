using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>Points each <see cref="WireValuesAttribute"/> field (or list item) at its named enum schema, added once.</summary>
public sealed class WireValuesSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties: { } properties } || context.Type.IsEnum)
            return;
        foreach (var property in context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<WireValuesAttribute>() is not { } values
                || !properties.TryGetValue(JsonNamingPolicy.CamelCase.ConvertName(property.Name), out var field) || field is not OpenApiSchema concrete)
                continue;
            var reference = Register(values, context.SchemaRepository);
            if (concrete.Items is not null)
                concrete.Items = reference;
            else
            {
                // The reference wrapped in allOf, as Swashbuckle writes a described $ref; ReferenceWrapperFilter turns it into 3.1's form.
                concrete.AllOf = [reference];
                concrete.Type = concrete.Type is { } type && type.HasFlag(JsonSchemaType.Null) ? JsonSchemaType.Null : null;
                concrete.Enum = null;
            }
        }
    }

    private static OpenApiSchemaReference Register(WireValuesAttribute values, SchemaRepository repository)
    {
        if (!repository.Schemas.ContainsKey(values.SchemaName))
            repository.AddDefinition(values.SchemaName, new OpenApiSchema
            {
                Type = JsonSchemaType.String, Enum = values.Values.Select(v => (JsonNode)JsonValue.Create(v)!).ToList(),
            });
        return new OpenApiSchemaReference(values.SchemaName);
    }
}
