using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>
/// Documents <c>API-Version</c> once, as a shared header parameter and a shared response header, and refers to both from
/// every operation and every response: every request may send it, and every answer echoes it.
/// </summary>
public sealed class ApiVersionHeaderFilter : IDocumentFilter
{
    private const string ComponentName = "ApiVersion";

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.String, Format = "date", Enum = ApiVersions.Known.Select(v => (JsonNode)JsonValue.Create(v)!).ToList(),
        };
        document.Components ??= new OpenApiComponents();
        document.Components.Parameters ??= new Dictionary<string, IOpenApiParameter>();
        document.Components.Parameters[ComponentName] = new OpenApiParameter
        {
            Name = ApiVersions.HeaderName, In = ParameterLocation.Header, Schema = schema, Example = JsonValue.Create(ApiVersions.Latest),
            Description = "The API version to serve this request at (a date, yyyy-MM-dd; see CHANGELOG.md). Without it, a tenant key's " +
                          "request is served at its tenant's pinned version (tenant.apiVersion), and a platform key's at the latest. " +
                          "A malformed or unknown version is a 400 validation_failed naming API-Version.",
        };
        document.Components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        document.Components.Headers[ComponentName] = new OpenApiHeader
        {
            Schema = schema, Example = JsonValue.Create(ApiVersions.Latest),
            Description = "The API version this request was served at, on every answer (errors included).",
        };

        var shared = document.Components.Responses?.Values.OfType<OpenApiResponse>() ?? [];
        foreach (var operation in OpenApiWalk.Operations(document))
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameterReference(ComponentName, document));
        }
        // The operations' own responses, and the shared ones they refer to.
        foreach (var response in OpenApiWalk.Operations(document).SelectMany(o => o.Responses?.Values.OfType<OpenApiResponse>() ?? []).Concat(shared))
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[ApiVersions.HeaderName] = new OpenApiHeaderReference(ComponentName, document);
        }
    }
}
