using FastEndpoints;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Settles the request body before FastEndpoints binds it. An endpoint that takes a JSON body but gets
/// none answers 415 problem+json (FastEndpoints would answer a bare, already-started 415). A Content-Type
/// on a bodyless GET or DELETE, as some HTTP clients always send, is ignored instead of parsed.
/// </summary>
public sealed class JsonBodyRequiredMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var definition = context.GetEndpoint()?.Metadata.GetMetadata<EndpointDefinition>();
        if (definition is null)
            return next(context);
        if (RequestBinding.IsBodyless(context.Request.Method))
        {
            context.Request.ContentType = null;
            return next(context);
        }
        if (context.Request.HasJsonContentType() || !RequestBinding.TakesJsonBody(definition, context.Request.Method))
            return next(context);
        return ProblemMapping.WriteAsync(context, ProblemMapping.FromStatus(StatusCodes.Status415UnsupportedMediaType));
    }
}
