namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Endpoint metadata for a body the endpoint reads itself (an NDJSON upload, a signed Stripe event), which the OpenAPI
/// filter documents from here. Only an <paramref name="Upload"/> may be larger than the JSON limit.
/// </summary>
public sealed record RawRequestBody(string ContentType, Type LineSchema, string Example, string Description, bool Upload = false);
