using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>
/// Writes the document's <c>webhooks</c> section (OpenAPI 3.1): one entry per type of <see cref="IWebhookCatalog"/>, a POST to the
/// receiver with the signature headers and a payload schema named after the type (<c>reward.issued</c> → <c>RewardIssuedWebhook</c>):
/// the envelope with <c>type</c> fixed and <c>data</c> the type's own record.
/// </summary>
public sealed class WebhooksDocumentFilter(IEnumerable<IWebhookCatalog> catalogs) : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        if (catalogs.FirstOrDefault() is not { } catalog)
            return;
        var before = context.SchemaRepository.Schemas.Keys.ToHashSet();
        var envelope = context.SchemaGenerator.GenerateSchema(catalog.Envelope, context.SchemaRepository);
        document.Webhooks = new Dictionary<string, IOpenApiPathItem>();
        foreach (var type in catalog.Types)
        {
            var name = Pascal(type) + "Webhook";
            var (record, added) = catalog.DataOf(type);
            context.SchemaRepository.Schemas[name] = new OpenApiSchema
            {
                Description = $"The body of a {type} webhook.",
                AllOf =
                [
                    envelope,
                    new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "type", "data" },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Const = type },
                            ["data"] = Data(record, added, context),
                        },
                    },
                ],
            };
            document.Webhooks[type] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Post] = new()
                    {
                        OperationId = "On" + Pascal(type),
                        Summary = $"{type} (sent to your endpoint)",
                        Description = "WinBack POSTs this to each enabled endpoint subscribed to the type (or to \"*\"), signed per Standard Webhooks. " +
                                      "Any 2xx acknowledges it; any other answer, or none within 10 s, is retried with backoff.",
                        Tags = new HashSet<OpenApiTagReference> { new("Webhooks", document) },
                        Security = [],
                        Parameters = catalog.Headers.Select(h => (IOpenApiParameter)new OpenApiParameter
                        {
                            Name = h.Name, In = ParameterLocation.Header, Required = true, Description = h.Description,
                            Schema = new OpenApiSchema { Type = JsonSchemaType.String }, Example = JsonValue.Create(h.Example),
                        }).ToList(),
                        RequestBody = new OpenApiRequestBody
                        {
                            Required = true,
                            Content = new Dictionary<string, IOpenApiMediaType>
                            {
                                ["application/json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(name, document) },
                            },
                        },
                        Responses = new OpenApiResponses { ["2XX"] = new OpenApiResponse { Description = "Received: the delivery succeeded." } },
                    },
                },
            };
        }
        // Records only merged into a payload (an offer's RewardSpec, replaced by its rule form) are no schema of their own.
        var used = OpenApiWalk.ReferencedSchemas(context.SchemaRepository.Schemas, catalog.Types.Select(t => (IOpenApiSchema)new OpenApiSchemaReference(Pascal(t) + "Webhook", document)));
        foreach (var name in context.SchemaRepository.Schemas.Keys.Except(before).Where(n => !used.Contains(n)).ToList())
            context.SchemaRepository.Schemas.Remove(name);
    }

    // The record's schema, with the fields the payload adds (or replaces) merged in: one object, as consumers receive it.
    private static IOpenApiSchema Data(Type record, Type? added, DocumentFilterContext context)
    {
        var shared = context.SchemaRepository.Schemas.ContainsKey(record.Name);
        var reference = context.SchemaGenerator.GenerateSchema(record, context.SchemaRepository);
        if (added is null)
            return reference;
        var baseSchema = Resolve(reference, context);
        var extra = Resolve(context.SchemaGenerator.GenerateSchema(added, context.SchemaRepository), context);
        var merged = new OpenApiSchema
        {
            Type = JsonSchemaType.Object, Description = baseSchema.Description, AdditionalPropertiesAllowed = false,
            Properties = new Dictionary<string, IOpenApiSchema>(baseSchema.Properties ?? new Dictionary<string, IOpenApiSchema>()),
            Required = new HashSet<string>(baseSchema.Required ?? new HashSet<string>()),
        };
        foreach (var (name, schema) in extra.Properties ?? new Dictionary<string, IOpenApiSchema>())
            merged.Properties[name] = schema;
        foreach (var name in extra.Required ?? new HashSet<string>())
            merged.Required.Add(name);
        // The added record only describes fields, and the record is now inside the merged one (unless something else uses it).
        context.SchemaRepository.Schemas.Remove(added.Name);
        if (!shared)
            context.SchemaRepository.Schemas.Remove(record.Name);
        return merged;
    }

    private static IOpenApiSchema Resolve(IOpenApiSchema schema, DocumentFilterContext context) =>
        schema is OpenApiSchemaReference { Reference.Id: { } id } ? context.SchemaRepository.Schemas[id] : schema;

    // reward.expiring_soon → RewardExpiringSoon
    private static string Pascal(string type) =>
        string.Concat(type.Split('.', '_').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
}
