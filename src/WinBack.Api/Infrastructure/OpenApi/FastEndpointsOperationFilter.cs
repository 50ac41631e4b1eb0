using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FastEndpoints;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Idempotency;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>
/// Swashbuckle sees FastEndpoints routes only through the API explorer, which gives a GET a request
/// body, drops path parameters and ignores Summary(). This filter rebuilds each operation from
/// FastEndpoints' own <see cref="EndpointDefinition"/>: where each request property binds, the
/// summary, the success and error responses, and their examples.
/// </summary>
public sealed partial class FastEndpointsOperationFilter(XmlDocs xmlDocs, ValidationSchemas validation) : IOperationFilter
{
    public const string SecurityScheme = "bearer";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var definition = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<EndpointDefinition>().FirstOrDefault();
        if (definition is null)
            return;

        var summary = definition.EndpointSummary;
        operation.OperationId = definition.EndpointType.Name.Replace("Endpoint", "");
        operation.Summary = summary?.Summary;
        operation.Description = Describe(definition, summary);
        if (definition.EndpointTags is { Count: > 0 } tags)
            operation.Tags = tags.Select(t => new OpenApiTagReference(t, context.Document)).ToHashSet();

        var method = context.ApiDescription.HttpMethod ?? "GET";
        var routeParams = RouteParameters(context.ApiDescription.RelativePath ?? "");
        var hasBody = DocumentParameters(operation, context, definition, summary, method, routeParams);
        var rawBody = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<RawRequestBody>().FirstOrDefault();
        if (rawBody is not null)
            DocumentRawBody(operation, context, rawBody);
        else
            DocumentRequestBody(operation, summary, hasBody);
        if (rawBody?.Signature is { } signature)
            operation.Parameters!.Insert(0, Parameter(signature.Name, ParameterLocation.Header, typeof(string), context, signature.Description,
                required: true, example: signature.Example));
        hasBody |= rawBody is not null;
        DocumentResponses(operation, context, definition, summary, method, routeParams.Count > 0, hasBody);

        // An anonymous endpoint says so (security: []); it is signed instead (its RawRequestBody names the header).
        operation.Security = definition.AnonymousVerbs is { Length: > 0 } ? []
            : [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecurityScheme, context.Document)] = [] }];
    }

    private static string? Describe(EndpointDefinition definition, EndpointSummary? summary)
    {
        var scopes = definition.AllowedRoles is { Count: > 0 } roles ? $"\n\nRequires a key with scope: {string.Join(" or ", roles)}." : "";
        return (summary?.Description ?? "") + scopes;
    }

    /// <summary>Adds path, query and header parameters; returns whether the request has a JSON body.</summary>
    private bool DocumentParameters(OpenApiOperation operation, OperationFilterContext context, EndpointDefinition definition,
        EndpointSummary? summary, string method, IReadOnlyList<string> routeParams)
    {
        var parameters = new List<IOpenApiParameter>();
        var properties = RequestBinding.Properties(definition);

        foreach (var name in routeParams.Where(r => !properties.Any(p => Matches(p, r))))
            parameters.Add(Parameter(name, ParameterLocation.Path, typeof(string), context, description: summary?.Params.GetValueOrDefault(name)));

        foreach (var property in properties)
        {
            var name = RequestBinding.WireName(property);
            var description = summary?.Params.GetValueOrDefault(name) ?? xmlDocs.For(property);
            var routeName = routeParams.FirstOrDefault(r => Matches(property, r));
            var parameter = routeName is not null
                ? Parameter(routeName, ParameterLocation.Path, property.PropertyType, context, description)
                : RequestBinding.SourceOf(property, method) switch
                {
                    RequestBinding.Source.Header => Parameter(property.GetCustomAttribute<FromHeaderAttribute>()!.HeaderName ?? property.Name,
                        ParameterLocation.Header, property.PropertyType, context, description,
                        required: property.GetCustomAttribute<FromHeaderAttribute>()!.IsRequired || property.GetCustomAttribute<RequiredAttribute>() is not null),
                    RequestBinding.Source.Query => Parameter(name, ParameterLocation.Query, property.PropertyType, context, description),
                    _ => null,
                };
            if (parameter is null)
                continue;
            if (validation.ForParameter(definition.ReqDtoType!, property) is { } rules)
                Constrain(parameter, rules);
            parameters.Add(parameter);
        }

        if (HttpMethods.IsPost(method))
        {
            var idempotencyKey = Parameter(IdempotencyMiddleware.HeaderName, ParameterLocation.Header, typeof(string), context,
                "Makes the request safe to retry: the same key with the same body returns the first response (header " +
                $"{IdempotencyMiddleware.ReplayedHeader}: true); with another body it gets 422. Keys are kept at least 24 hours. A UUID is a good choice. " +
                $"1 to {IdempotencyMiddleware.MaxKeyLength} printable ASCII characters, not all spaces (else 400 invalid_idempotency_key).",
                example: "5f1c9a8e-3b7d-4e2a-9c61-0d4f8b2e7a13");
            Constrain(idempotencyKey, new FieldRules { MinLength = 1, MaxLength = IdempotencyMiddleware.MaxKeyLength, Pattern = IdempotencyMiddleware.KeyPattern });
            parameters.Add(idempotencyKey);
        }

        operation.Parameters = parameters;
        return RequestBinding.TakesJsonBody(definition, method);
    }

    private static void DocumentRequestBody(OpenApiOperation operation, EndpointSummary? summary, bool hasBody)
    {
        if (!hasBody)
        {
            operation.RequestBody = null;
            return;
        }
        if (operation.RequestBody is not OpenApiRequestBody body || body.Content is null)
            return;
        body.Required = true;
        foreach (var key in body.Content.Keys.Where(k => k != "application/json").ToList())
            body.Content.Remove(key);
        if (!body.Content.TryGetValue("application/json", out var media) || media is not OpenApiMediaType json)
            return;
        // Several named examples (e.g. one per trigger type) become `examples`; one stays the plain `example`.
        if (summary?.RequestExamples is { Count: > 1 } named)
            json.Examples = named.ToDictionary(e => e.Label, e => (IOpenApiExample)new OpenApiExample { Summary = e.Summary, Value = BodyOf(e.Value) });
        else if ((summary?.RequestExamples.FirstOrDefault()?.Value ?? summary?.ExampleRequest) is { } example)
            json.Example = BodyOf(example);
    }

    // The example is the whole request object; its path, query and header properties are not part of the body.
    private static JsonNode? BodyOf(object example)
    {
        var node = ToNode(example);
        if (node is JsonObject body)
            foreach (var property in example.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(RequestBinding.IsOutsideBody))
                body.Remove(JsonNamingPolicy.CamelCase.ConvertName(property.Name));
        return node;
    }

    private static void DocumentRawBody(OpenApiOperation operation, OperationFilterContext context, RawRequestBody raw) =>
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = raw.Description,
            Content = new Dictionary<string, IOpenApiMediaType>
            {
                [raw.ContentType] = new OpenApiMediaType
                {
                    Schema = context.SchemaGenerator.GenerateSchema(raw.LineSchema, context.SchemaRepository),
                    // The schema is one item's (OpenAPI 3.1 has no schema for a stream; 3.2's itemSchema would), so the example
                    // is one item too: a JSON body, or the first line of a stream.
                    Example = JsonNode.Parse(raw.Example.Split('\n')[0]),
                },
            },
        };

    private static void DocumentResponses(OpenApiOperation operation, OperationFilterContext context, EndpointDefinition definition,
        EndpointSummary? summary, string method, bool hasRouteParams, bool hasBody)
    {
        var responses = new OpenApiResponses();
        var alternate = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<AlternateResponseBody>().FirstOrDefault();
        var successes = summary?.Responses.Where(r => r.Key < 400).ToList() ?? [];
        if (successes.Count == 0)
            successes = [new KeyValuePair<int, string>(200, "OK")];
        foreach (var (status, description) in successes)
        {
            var response = new OpenApiResponse { Description = description };
            if (definition.ResDtoType is { } resDto && resDto != typeof(EmptyResponse) && resDto != typeof(object))
            {
                response.Content = new Dictionary<string, IOpenApiMediaType>
                {
                    ["application/json"] = new OpenApiMediaType
                    {
                        Schema = context.SchemaGenerator.GenerateSchema(resDto, context.SchemaRepository),
                        Example = summary?.ResponseExamples.GetValueOrDefault(status) is { } example ? ToNode(example) : null,
                    },
                };
            }
            if (status < 300 && alternate is not null && response.Content is not null)
                response.Content[alternate.ContentType] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String }, Example = JsonValue.Create(alternate.Example),
                };
            responses[status.ToString()] = response;
        }

        var errors = new List<int>();
        // Bad input: the request's fields, its path and query text, (on a POST) its Idempotency-Key, or any request's API-Version.
        errors.Add(400);
        if (definition.AnonymousVerbs is not { Length: > 0 }) errors.AddRange([401, 403]);
        if (hasRouteParams) errors.Add(404);
        if (hasBody) errors.AddRange([413, 415]);
        if (HttpMethods.IsPost(method)) errors.AddRange([409, 422]);
        errors.AddRange([429, 503]);
        errors.AddRange(summary?.Responses.Keys.Where(k => k >= 400) ?? []);

        var problemSchema = context.SchemaGenerator.GenerateSchema(typeof(ApiProblem), context.SchemaRepository);
        foreach (var status in errors.Distinct().Order())
        {
            // Without an endpoint's own text or example, the answer is the shared one (components/responses), written once.
            if (summary?.Responses.ContainsKey(status) != true && summary?.ResponseExamples.ContainsKey(status) != true
                && ProblemExamples.Shared(status, context.Document, problemSchema) is { } shared)
            {
                responses[status.ToString()] = shared;
                continue;
            }
            var (description, example) = ProblemExamples.ByStatus.TryGetValue(status, out var known)
                ? known
                : ("Error.", ApiProblem.Of(status, ErrorCodes.BadRequest, "Error", "See detail."));
            // An endpoint's own text and example win; on a POST, the idempotency meaning of 409 and 422 stays beside them.
            if (summary?.Responses.GetValueOrDefault(status) is { } custom)
                description = HttpMethods.IsPost(method) && status is 409 or 422 ? $"{custom} Also: {description}" : custom;
            if (status == 400)
                description += HttpMethods.IsPost(method) ? ProblemExamples.AlsoOnPost400 + ProblemExamples.AlsoOn400 : ProblemExamples.AlsoOn400;
            if (summary?.ResponseExamples.GetValueOrDefault(status) is ApiProblem endpointExample)
                example = endpointExample;
            responses[status.ToString()] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, IOpenApiMediaType>
                {
                    [ApiProblem.ContentType] = new OpenApiMediaType { Schema = problemSchema, Example = ToNode(example) },
                },
            };
        }
        operation.Responses = responses;
    }

    private static OpenApiParameter Parameter(string name, ParameterLocation location, Type type, OperationFilterContext context,
        string? description, bool required = false, string? example = null)
    {
        var parameter = new OpenApiParameter
        {
            Name = name,
            In = location,
            Required = location == ParameterLocation.Path || required,
            Description = description,
            Schema = context.SchemaGenerator.GenerateSchema(Nullable.GetUnderlyingType(type) ?? type, context.SchemaRepository),
            Example = example is null ? null : JsonValue.Create(example),
        };
        // A dictionary in the query travels as name[key]=value.
        if (location == ParameterLocation.Query && type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            parameter.Style = ParameterStyle.DeepObject;
            parameter.Explode = true;
        }
        return parameter;
    }

    private static void Constrain(OpenApiParameter parameter, FieldRules rules)
    {
        parameter.Required |= rules.Required;
        if (parameter.Schema is OpenApiSchema schema)
            rules.ApplyTo(schema, text => parameter.Description = ValidationSchemaFilter.Describe(parameter.Description, text));
    }

    private static bool Matches(PropertyInfo property, string routeParam) =>
        string.Equals(property.GetCustomAttribute<BindFromAttribute>()?.Name ?? property.Name, routeParam, StringComparison.OrdinalIgnoreCase);

    private static List<string> RouteParameters(string relativePath) =>
        RouteParameter().Matches(relativePath).Select(m => m.Groups["name"].Value).ToList();

    private static JsonNode? ToNode(object example) => JsonSerializer.SerializeToNode(example, example.GetType(), WinBackJson.Options);

    [GeneratedRegex(@"\{(?<name>[A-Za-z0-9_]+)(:[^}]*)?\??\}")]
    private static partial Regex RouteParameter();
}
