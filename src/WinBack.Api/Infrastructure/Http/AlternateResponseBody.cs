namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Endpoint metadata for a second representation of the success response, chosen with the Accept header (such as
/// CSV); the OpenAPI filter documents it beside the JSON one.
/// </summary>
public sealed record AlternateResponseBody(string ContentType, string Example);
