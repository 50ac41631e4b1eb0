using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Features.ApiKeys;

public sealed class RevokeApiKeyRequest
{
    /// <summary>The key's id (<c>key_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";
}

public sealed class RevokeApiKeyEndpoint(ApiKeyStore keys, ApiKeyCache cache, TimeProvider clock) : Endpoint<RevokeApiKeyRequest, ApiKeyView>
{
    public override void Configure()
    {
        Delete("/api-keys/{id}");
        Roles(ApiScopes.Admin);
        Tags("API keys");
        Summary(s =>
        {
            s.Summary = "Revoke an API key";
            s.Description = "The key stops working on the next request. Revoking a revoked key changes nothing and returns it again.";
            s.Responses[200] = "The revoked key.";
            s.ResponseExamples[200] = new ApiKeyView("key_01jdq3w5x8k2m9v4r7t6y1z0ae", ApiKeyScope.Ingest, "wb_test_…c0de",
                "checkout service", DateTimeOffset.Parse("2026-11-24T09:30:00Z"), DateTimeOffset.Parse("2026-11-25T10:00:00Z"));
        });
    }

    public override async Task HandleAsync(RevokeApiKeyRequest request, CancellationToken ct)
    {
        var key = await keys.RevokeAsync(HttpContext.Caller().RequireTenant(), request.Id, clock.GetUtcNow(), ct)
                  ?? throw ApiException.NotFound("API key", request.Id);
        cache.Evict(key.SecretHash);
        await Send.OkAsync(ApiKeyView.Of(key), ct);
    }
}
