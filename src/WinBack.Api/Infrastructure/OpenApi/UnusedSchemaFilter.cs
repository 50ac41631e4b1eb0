using FastEndpoints;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>
/// Drops the schemas Swashbuckle made for request DTOs that have no JSON body (their properties are documented as
/// parameters), and any other schema no operation, webhook or shared component reaches (an enum a oneOf replaced), so the
/// document lists no type that nothing uses.
/// </summary>
public sealed class UnusedSchemaFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        if (document.Components?.Schemas is not { } schemas)
            return;
        var definitions = context.ApiDescriptions
            .Select(d => (Method: d.HttpMethod ?? "GET", Definition: d.ActionDescriptor.EndpointMetadata.OfType<EndpointDefinition>().FirstOrDefault()))
            .Where(x => x.Definition?.ReqDtoType is not null)
            .ToList();
        foreach (var group in definitions.GroupBy(x => x.Definition!.ReqDtoType))
        {
            if (group.All(x => !RequestBinding.TakesJsonBody(x.Definition!, x.Method)))
                schemas.Remove(group.Key.Name);
        }

        var components = document.Components;
        var roots = OpenApiWalk.OperationSchemas(document)
            .Concat(OpenApiWalk.SchemasOf(OpenApiWalk.WebhookOperations(document)))
            .Concat((components.Responses?.Values ?? []).SelectMany(r => r.Content?.Values.Select(m => m.Schema) ?? []))
            .Concat((components.Parameters?.Values ?? []).Select(p => p.Schema))
            .Concat((components.Headers?.Values ?? []).Select(h => h.Schema))
            .OfType<IOpenApiSchema>();
        var used = OpenApiWalk.ReferencedSchemas(schemas, roots);
        foreach (var name in schemas.Keys.Where(n => !used.Contains(n)).ToList())
            schemas.Remove(name);
    }
}
