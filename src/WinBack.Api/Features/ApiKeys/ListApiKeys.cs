using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.ApiKeys;

public sealed class ListApiKeysRequest : PageRequest;

public sealed class ListApiKeysValidator : Validator<ListApiKeysRequest>
{
    public ListApiKeysValidator() => this.AddPagingRules("key");
}

public sealed class ListApiKeysEndpoint(ApiKeyStore keys) : Endpoint<ListApiKeysRequest, Page<ApiKeyView>>
{
    public override void Configure()
    {
        Get("/api-keys");
        Roles(ApiScopes.Admin);
        Tags("API keys");
        Summary(s =>
        {
            s.Summary = "List API keys";
            s.Description = "This tenant's keys, newest first, revoked ones included (with revokedAt). Secrets are never listed.";
            s.Responses[200] = "A page of keys.";
            s.ResponseExamples[200] = new Page<ApiKeyView>(
                [new ApiKeyView("key_01jdq3w5x8k2m9v4r7t6y1z0ae", ApiKeyScope.Ingest, "wb_test_…c0de", "checkout service",
                    DateTimeOffset.Parse("2026-11-24T09:30:00Z"), null)], HasMore: false);
        });
    }

    public override async Task HandleAsync(ListApiKeysRequest request, CancellationToken ct)
    {
        var page = await keys.PageAsync(HttpContext.Caller().RequireTenant(), request, ct);
        await Send.OkAsync(new Page<ApiKeyView>(page.Data.Select(ApiKeyView.Of).ToList(), page.HasMore), ct);
    }
}
