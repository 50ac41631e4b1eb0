namespace WinBack.Api.Infrastructure.Errors;

/// <summary>
/// Turns exceptions into problem responses. It runs twice in the pipeline with the same mapping:
/// outermost (auth and body-size failures) and innermost, so that idempotency sees the final status.
/// </summary>
public sealed class ProblemExceptionMiddleware(RequestDelegate next, ILogger<ProblemExceptionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var problem = ProblemMapping.FromException(exception);
            if (problem.Status == StatusCodes.Status503ServiceUnavailable)
                logger.LogWarning("Database unavailable on {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path, exception.Message);
            else if (problem.Status >= 500)
                logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
            context.Response.Clear();
            await ProblemMapping.WriteAsync(context, problem);
        }
    }
}

public static class EmptyErrorResponses
{
    /// <summary>Gives bodiless 4xx/5xx answers (unknown route, wrong verb, ...) the problem shape.</summary>
    public static IApplicationBuilder UseProblemForEmptyErrors(this IApplicationBuilder app) =>
        app.UseStatusCodePages(context => ProblemMapping.WriteAsync(context.HttpContext,
            ProblemMapping.FromStatus(context.HttpContext.Response.StatusCode)));
}
