using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>
/// Turns a <see cref="DiscriminatedAttribute"/> type's schema into <c>oneOf</c> its variants with a <c>discriminator</c> on
/// <c>type</c>. Each variant is an object with <c>type</c> fixed and the fields that apply to it (their schemas as the flat type
/// has them, constraints included). A variant leaves additionalProperties open: the flat type's other fields may be present
/// as null (answers write them so), and closing it would give generated clients a member per unused field.
/// </summary>
public sealed class DiscriminatedSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (context.Type.GetCustomAttribute<DiscriminatedAttribute>() is not { } discriminated || schema is not OpenApiSchema { Properties: { } properties } flat)
            return;
        var mapping = new Dictionary<string, OpenApiSchemaReference>();
        foreach (var variant in discriminated.Variants)
        {
            var fields = variant.Required.Concat(variant.Optional).ToList();
            var unknown = fields.Where(f => !properties.ContainsKey(f)).ToList();
            if (unknown.Count > 0)
                throw new InvalidOperationException($"{variant.SchemaName}: {context.Type.Name} has no field {string.Join(", ", unknown)}.");
            var schemaOfVariant = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = $"{context.Type.Name} of type {variant.Type}. The other fields of {context.Type.Name} are absent or null (answers write them as null).",
                Required = new HashSet<string>(["type", .. variant.Required]),
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    // The default lets generated clients fill the discriminator themselves (Kiota sets it in the variant's constructor).
                    ["type"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String, Enum = [JsonValue.Create(variant.Type)!], Default = JsonValue.Create(variant.Type),
                        Examples = [JsonValue.Create(variant.Type)!],
                    },
                },
            };
            foreach (var field in fields)
                schemaOfVariant.Properties[field] = properties[field];

            if (!context.SchemaRepository.Schemas.ContainsKey(variant.SchemaName))
                context.SchemaRepository.AddDefinition(variant.SchemaName, schemaOfVariant);
            mapping[variant.Type] = new OpenApiSchemaReference(variant.SchemaName);
        }
        flat.OneOf = mapping.Values.Cast<IOpenApiSchema>().ToList();
        flat.Discriminator = new OpenApiDiscriminator { PropertyName = "type", Mapping = mapping };
        flat.Properties = null;
        flat.Required = null;
        flat.Type = null;
        flat.AdditionalProperties = null;
        flat.AdditionalPropertiesAllowed = true;
    }
}
