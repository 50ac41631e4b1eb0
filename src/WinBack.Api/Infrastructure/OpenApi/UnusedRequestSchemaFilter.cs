using FastEndpoints;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>
/// Drops the schemas Swashbuckle made for request DTOs that have no JSON body (their properties
/// are documented as parameters), so the document lists no type that nothing uses.
/// </summary>
public sealed class UnusedRequestSchemaFilter : IDocumentFilter
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
    }
}
