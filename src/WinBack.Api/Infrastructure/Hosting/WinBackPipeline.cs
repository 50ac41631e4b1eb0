using FastEndpoints;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Idempotency;
using WinBack.Api.Infrastructure.OpenApi;
using WinBack.Api.Infrastructure.RateLimiting;
using Microsoft.Extensions.Options;

namespace WinBack.Api.Infrastructure.Hosting;

public static class WinBackPipeline
{
    public static WebApplication UseWinBack(this WebApplication app)
    {
        // Order matters: errors outermost; then who is calling, how fast, whether allowed;
        // idempotency wraps the endpoint and answers its exceptions itself, so that it stores the final status.
        app.UseForwardedHeaders();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseMiddleware<ApiVersionMiddleware>();
        app.UseMiddleware<ProblemExceptionMiddleware>();
        app.UseProblemForEmptyErrors();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });

        var role = app.Services.GetRequiredService<IOptions<WinBackOptions>>().Value.Role;
        if (!role.ServesApi())
            return app;

        app.UseSwagger(o => o.OpenApiVersion = SwaggerSetup.SpecVersion);
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint(SwaggerSetup.DocumentPath, "WinBack v1");
            ui.DocumentTitle = "WinBack API";
            ui.EnablePersistAuthorization();
        });
        app.UseRouting();
        app.UseMiddleware<RequestSizeLimitMiddleware>();
        app.UseMiddleware<ClientAddressRateLimitMiddleware>();
        app.UseAuthentication();
        app.UseMiddleware<ApiKeyRateLimitMiddleware>();
        app.UseAuthorization();
        app.UseMiddleware<IdempotencyMiddleware>();
        app.UseMiddleware<RequestInputMiddleware>();
        app.UseFastEndpoints(config =>
        {
            config.Endpoints.RoutePrefix = "v1";
            config.Endpoints.ShortNames = true;
            WinBackJson.Configure(config.Serializer.Options);
            config.Errors.ContentType = ApiProblem.ContentType;
            config.Errors.ProducesMetadataType = typeof(ApiProblem);
            config.Errors.ResponseBuilder = (failures, _, status) => ProblemMapping.FromValidation(failures, status);
            config.Binding.JsonExceptionTransformer = JsonErrors.Describe;
        });
        return app;
    }
}
