using Microsoft.OpenApi;

namespace WinBack.Api.Infrastructure.OpenApi;

public static class SwaggerSetup
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/swagger/v1/swagger.json";

    /// <summary>OpenAPI 3.1: descriptions beside $ref, null as a type, and the webhooks section.</summary>
    public const OpenApiSpecVersion SpecVersion = OpenApiSpecVersion.OpenApi3_1;

    public static IServiceCollection AddWinBackOpenApi(this IServiceCollection services)
    {
        services.AddSingleton(XmlDocs.Load());
        services.AddSingleton(ValidationSchemas.Load(typeof(SwaggerSetup).Assembly));
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "WinBack API",
                Version = "v1",
                Description = "Win-back rewards: report customer activity, let rules reward customers who went quiet, " +
                              "and measure whether it worked. Authenticate with `Authorization: Bearer wb_live_…` " +
                              "(or `wb_test_…`). Errors are RFC 9457 problem+json with a stable `code`. Every POST " +
                              "accepts an `Idempotency-Key`. Lists are paged with `limit` and `startingAfter`. Webhook payloads " +
                              "are under `webhooks`, one per event type.",
                // Not open source; SPDX's LicenseRef- form names a licence that has no SPDX id.
                License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-WinBack-Proprietary" },
            });
            // Each deployment serves its own document at /swagger/v1/swagger.json; this server is the local development one.
            options.AddServer(new OpenApiServer
            {
                Url = "http://127.0.0.1:5080",
                Description = "local (`dotnet run`, launchSettings.json). Every deployment serves this document at /swagger/v1/swagger.json " +
                              "with its own address; use that one.",
            });
            options.AddSecurityDefinition(FastEndpointsOperationFilter.SecurityScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key: wb_live_… or wb_test_… (the platform key for operator endpoints).",
            });
            options.OperationFilter<FastEndpointsOperationFilter>();
            options.SchemaFilter<EnumSchemaFilter>();
            options.SchemaFilter<RequestBodySchemaFilter>();
            options.SchemaFilter<ValidationSchemaFilter>();
            options.SchemaFilter<WireValuesSchemaFilter>();
            options.SchemaFilter<DiscriminatedSchemaFilter>();
            options.DocumentFilter<ApiVersionHeaderFilter>();
            options.DocumentFilter<WebhooksDocumentFilter>();
            options.DocumentFilter<NamedEnumParameterFilter>();
            options.DocumentFilter<UnusedSchemaFilter>();
            options.DocumentFilter<DocumentInfoFilter>();
            options.DocumentFilter<ReferenceWrapperFilter>();
            options.DocumentFilter<SortedPathsFilter>();
            // Swashbuckle keeps a field's description by wrapping its $ref in allOf; ReferenceWrapperFilter writes the 3.1 form.
            options.UseAllOfToExtendReferenceSchemas();
            options.NonNullableReferenceTypesAsRequired();
            options.SupportNonNullableReferenceTypes();
            options.CustomSchemaIds(type => type.IsGenericType
                ? $"{type.Name.Split('`')[0]}Of{string.Join("", type.GetGenericArguments().Select(a => a.Name))}"
                : type.Name);
            foreach (var path in XmlDocs.FilePaths)
                options.IncludeXmlComments(path);
        });
        return services;
    }
}
