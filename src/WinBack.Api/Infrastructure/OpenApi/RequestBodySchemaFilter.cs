using System.Reflection;
using System.Text.Json;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>Route, query and header properties of a request DTO are parameters, not body fields.</summary>
public sealed class RequestBodySchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties: { } properties } concrete || context.Type.IsEnum)
            return;
        foreach (var property in context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(RequestBinding.IsOutsideBody))
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            properties.Remove(name);
            concrete.Required?.Remove(name);
        }
    }
}
