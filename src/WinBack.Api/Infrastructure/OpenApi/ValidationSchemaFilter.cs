using System.Reflection;
using System.Text.Json;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>Request body fields state what their validators check (<see cref="ValidationSchemas"/>); parameters get the same from the operation filter.</summary>
public sealed class ValidationSchemaFilter(ValidationSchemas validation) : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties: { } properties } concrete || context.Type.IsEnum)
            return;
        foreach (var property in context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            if (!properties.TryGetValue(name, out var field) || validation.ForMember(property) is not { } rules)
                continue;
            if (rules.Required)
            {
                (concrete.Required ??= new HashSet<string>()).Add(name);
                // Nullable in C# only so that the validator can name a missing field; null is refused, so the schema does not allow it.
                if (field is OpenApiSchema { Type: { } type } nullable && type.HasFlag(JsonSchemaType.Null))
                    nullable.Type = type == JsonSchemaType.Null ? null : type & ~JsonSchemaType.Null;
            }
            // A bare $ref is shared with every other use of its type; only inline schemas (and allOf wrappers) take constraints.
            if (field is OpenApiSchema inline)
                rules.ApplyTo(inline, text => inline.Description = Describe(inline.Description, text));
        }
    }

    public static string Describe(string? description, string addition) =>
        string.IsNullOrEmpty(description) ? addition
        : description.Contains(addition, StringComparison.Ordinal) ? description
        : $"{description.TrimEnd()} {addition}";
}
