using FastEndpoints;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Answers 415 problem+json when an endpoint that takes a JSON body gets none. FastEndpoints would
/// otherwise answer a request without Content-Type with a bare, already-started 415.
/// </summary>
public sealed class JsonBodyRequiredMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var definition = context.GetEndpoint()?.Metadata.GetMetadata<EndpointDefinition>();
        if (definition is null || context.Request.HasJsonContentType() || !RequestBinding.TakesJsonBody(definition, context.Request.Method))
            return next(context);
        return ProblemMapping.WriteAsync(context, ProblemMapping.FromStatus(StatusCodes.Status415UnsupportedMediaType));
    }
}
