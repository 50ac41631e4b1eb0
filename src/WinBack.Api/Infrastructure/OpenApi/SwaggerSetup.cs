using Microsoft.OpenApi;

namespace WinBack.Api.Infrastructure.OpenApi;

public static class SwaggerSetup
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/swagger/v1/swagger.json";

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
                              "accepts an `Idempotency-Key`. Lists are paged with `limit` and `startingAfter`.",
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
            options.DocumentFilter<UnusedRequestSchemaFilter>();
            options.DocumentFilter<ApiVersionHeaderFilter>();
            options.DocumentFilter<SortedPathsFilter>();
            // OpenAPI 3.0 ignores a description beside a $ref; wrapping the $ref in allOf keeps each field's description.
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
