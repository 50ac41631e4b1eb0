using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Refuses a declared Content-Length over the limit before anything reads the body. Kestrel's own
/// MaxRequestBodySize (same value) still stops chunked bodies that grow past it while being read.
/// </summary>
public sealed class RequestSizeLimitMiddleware(RequestDelegate next, IOptions<WinBackOptions> options)
{
    public Task InvokeAsync(HttpContext context) =>
        context.Request.ContentLength > options.Value.MaxRequestBodyBytes
            ? ProblemMapping.WriteAsync(context, ProblemMapping.FromStatus(StatusCodes.Status413PayloadTooLarge))
            : next(context);
}
