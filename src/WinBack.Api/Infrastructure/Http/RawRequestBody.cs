namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Endpoint metadata for a body that is not one JSON document (such as NDJSON): the endpoint reads it
/// itself, it may be larger than the JSON limit, and the OpenAPI filter documents it from here.
/// </summary>
public sealed record RawRequestBody(string ContentType, Type LineSchema, string Example, string Description);
