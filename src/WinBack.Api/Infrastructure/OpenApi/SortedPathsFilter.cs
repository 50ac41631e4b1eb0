using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>Orders paths alphabetically, so that the committed document changes only where the API does.</summary>
public sealed class SortedPathsFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var sorted = new OpenApiPaths();
        foreach (var (path, item) in document.Paths.OrderBy(p => p.Key, StringComparer.Ordinal))
            sorted[path] = item;
        document.Paths = sorted;
    }
}
