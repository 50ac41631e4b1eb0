using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>Documents enums as the snake_case strings that <see cref="StrictEnumConverter"/> reads and writes.</summary>
public sealed class EnumSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (!context.Type.IsEnum || schema is not OpenApiSchema concrete)
            return;
        concrete.Type = JsonSchemaType.String;
        concrete.Format = null;
        concrete.Enum = StrictEnumConverter.WireNames(context.Type).Select(n => (JsonNode)JsonValue.Create(n)!).ToList();
    }
}
