namespace WinBack.Api.Infrastructure.Errors;

/// <summary>
/// Turns exceptions into problem responses, outermost in the pipeline (auth, body size, endpoints). An idempotent
/// request's exceptions are answered a step earlier, by the idempotency middleware through <see cref="AnswerAsync"/>,
/// so that it stores the final status; the mapping is the same.
/// </summary>
public sealed class ProblemExceptionMiddleware(RequestDelegate next, ILogger<ProblemExceptionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception) when (CanAnswer(context))
        {
            await AnswerAsync(context, exception, logger);
        }
    }

    /// <summary>Whether a problem can still be sent: nothing written yet, and the client still listening.</summary>
    public static bool CanAnswer(HttpContext context) => !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested;

    public static async Task AnswerAsync(HttpContext context, Exception exception, ILogger logger)
    {
        var problem = ProblemMapping.FromException(exception);
        if (problem.Code == ErrorCodes.TenantMoving)
        {
            // Expected while a tenant moves between shards (its writes pause for a second or so); this process may be behind the flip.
            context.RequestServices.GetService<Sharding.TenantRouting>()?.Reload();
            logger.LogDebug("Write refused on {Method} {Path}: the tenant is moving", context.Request.Method, context.Request.Path);
        }
        else if (problem.Status == StatusCodes.Status503ServiceUnavailable)
            logger.LogWarning("Database unavailable on {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path, exception.Message);
        else if (problem.Status >= 500)
            logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
        context.Response.Clear();
        await ProblemMapping.WriteAsync(context, problem);
    }
}

public static class EmptyErrorResponses
{
    /// <summary>Gives bodiless 4xx/5xx answers (unknown route, wrong verb, ...) the problem shape.</summary>
    public static IApplicationBuilder UseProblemForEmptyErrors(this IApplicationBuilder app) =>
        app.UseStatusCodePages(context => ProblemMapping.WriteAsync(context.HttpContext,
            ProblemMapping.FromStatus(context.HttpContext.Response.StatusCode)));
}
