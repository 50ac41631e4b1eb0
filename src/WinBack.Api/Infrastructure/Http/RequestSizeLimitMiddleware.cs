using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Refuses a declared Content-Length over the limit before anything reads the body, and sets the same
/// limit on Kestrel, which stops chunked bodies that grow past it while being read. Endpoints with a
/// <see cref="RawRequestBody"/> marked as uploads get the larger upload limit.
/// </summary>
public sealed class RequestSizeLimitMiddleware(RequestDelegate next, IOptions<WinBackOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<RawRequestBody>() is { Upload: true }
            ? options.Value.MaxUploadBytes
            : options.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
            return ProblemMapping.WriteAsync(context, ProblemMapping.FromStatus(StatusCodes.Status413PayloadTooLarge));
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrel)
            kestrel.MaxRequestBodySize = limit;
        return next(context);
    }
}
