using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Idempotency;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>The error responses every operation documents, each with a realistic example body.</summary>
internal static class ProblemExamples
{
    public static readonly IReadOnlyDictionary<int, (string Description, ApiProblem Example)> ByStatus =
        new Dictionary<int, (string, ApiProblem)>
        {
            [400] = ("Invalid input: validation failed, the JSON is malformed, a query parameter is given empty (`?to=`), or a text " +
                     "holds NUL or an unpaired UTF-16 surrogate (PostgreSQL cannot store them). `errors` names each field.",
                ApiProblem.Of(400, ErrorCodes.ValidationFailed, "Invalid request", "name: 'name' must not be empty.",
                    new Dictionary<string, string[]> { ["name"] = ["'name' must not be empty."] })),
            [401] = ("No API key, or a key that is unknown or revoked.",
                ApiProblem.Of(401, ErrorCodes.InvalidApiKey, "Invalid API key", "Unknown or revoked API key.")),
            [403] = ("The key's scope does not allow this operation.",
                ApiProblem.Of(403, ErrorCodes.InsufficientScope, "Insufficient scope",
                    "This endpoint needs a key with scope admin; this key has scope ingest.")),
            [404] = ("No such object for this tenant.",
                ApiProblem.Of(404, ErrorCodes.ResourceMissing, "Not found", "No API key with id 'key_01jdq3w5x8k2m9v4r7t6y1z0ae'.")),
            [409] = ("A request with the same Idempotency-Key is still in progress (`idempotency_key_in_use`).",
                IdempotencyMiddleware.KeyInUse),
            [413] = ("The body is larger than the API accepts.", ProblemMapping.FromStatus(413)),
            [415] = ("The body was not sent as application/json.", ProblemMapping.FromStatus(415)),
            [422] = ("The Idempotency-Key was used before with a different request (`idempotency_key_reused`).",
                IdempotencyMiddleware.KeyReused),
            [429] = ("Rate limit exceeded: this key's, its tenant's, or (before a key is known) the client address's; see the Retry-After header.",
                ApiProblem.Of(429, ErrorCodes.RateLimited, "Too many requests",
                    "This key sent more than 100 requests per second (burst 200). Retry after 1 s.")),
            [503] = ("The database is unavailable for a moment (`database_unavailable`); retry after the Retry-After header's seconds.",
                ProblemMapping.DatabaseUnavailable),
        };

    public const string AlsoOn400 = " Also: an API-Version that is malformed or not a known version (`validation_failed`).";
    public const string AlsoOnPost400 =
        " Also: an Idempotency-Key that is empty, longer than 255 characters or not printable ASCII (`invalid_idempotency_key`).";

    /// <summary>
    /// A reference to the shared response for <paramref name="status"/> (<c>#/components/responses/BadRequest</c>, ...), added to the
    /// document's components the first time; null for a status with no shared answer.
    /// </summary>
    public static IOpenApiResponse? Shared(int status, OpenApiDocument document, IOpenApiSchema problemSchema)
    {
        if (!ByStatus.TryGetValue(status, out var known))
            return null;
        var name = ReasonPhrases.GetReasonPhrase(status).Replace(" ", "").Replace("-", "");
        document.Components ??= new OpenApiComponents();
        document.Components.Responses ??= new Dictionary<string, IOpenApiResponse>();
        if (!document.Components.Responses.ContainsKey(name))
            document.Components.Responses[name] = new OpenApiResponse
            {
                Description = status == 400 ? known.Description + AlsoOn400 + " On a POST," + AlsoOnPost400[6..] : known.Description,
                Content = new Dictionary<string, IOpenApiMediaType>
                {
                    [ApiProblem.ContentType] = new OpenApiMediaType
                    {
                        Schema = problemSchema, Example = JsonSerializer.SerializeToNode(known.Example, WinBackJson.Options),
                    },
                },
            };
        return new OpenApiResponseReference(name, document);
    }
}
