using Microsoft.OpenApi;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>The schemas that operations hold inline (parameters, bodies, responses), for document filters that rewrite schemas.</summary>
internal static class OpenApiWalk
{
    public static IEnumerable<OpenApiOperation> Operations(OpenApiDocument document) =>
        document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []);

    public static IEnumerable<IOpenApiSchema> OperationSchemas(OpenApiDocument document) =>
        Operations(document).SelectMany(operation =>
            (operation.Parameters ?? []).OfType<OpenApiParameter>().Select(p => p.Schema)
            .Concat(operation.RequestBody?.Content?.Values.Select(m => m.Schema) ?? [])
            .Concat((operation.Responses?.Values.AsEnumerable() ?? []).OfType<OpenApiResponse>().SelectMany(r => r.Content?.Values.Select(m => m.Schema) ?? [])))
        .OfType<IOpenApiSchema>();
}
