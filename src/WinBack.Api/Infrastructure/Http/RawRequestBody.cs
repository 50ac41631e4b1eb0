namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Endpoint metadata for a body the endpoint reads itself (an NDJSON upload, a signed Stripe event), which the OpenAPI
/// filter documents from here. Only an <paramref name="Upload"/> may be larger than the JSON limit. A body signed by its sender
/// names the header that carries the signature (<paramref name="Signature"/>): the document makes it a required parameter.
/// </summary>
public sealed record RawRequestBody(string ContentType, Type LineSchema, string Example, string Description, bool Upload = false,
    SignatureHeader? Signature = null);

/// <summary>The header that signs a raw body, as the OpenAPI document describes it.</summary>
public sealed record SignatureHeader(string Name, string Description, string Example);
