using System.ComponentModel.DataAnnotations;
using FastEndpoints;
using FluentValidation;
using Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Features.ApiKeys;

public sealed class CreateApiKeyRequest
{
    /// <summary><c>admin</c> or <c>ingest</c>.</summary>
    [Required]
    public ApiKeyScope? Scope { get; set; }

    /// <summary>A note for people, such as the service that will use the key.</summary>
    public string? Description { get; set; }
}

public sealed class CreateApiKeyValidator : Validator<CreateApiKeyRequest>
{
    public CreateApiKeyValidator()
    {
        RuleFor(x => x.Scope).NotNull();
        RuleFor(x => x.Description).MaximumLength(200);
    }
}

public sealed class CreateApiKeyEndpoint(ApiKeyStore keys, Ids ids, TimeProvider clock, IOptions<WinBackOptions> options)
    : Endpoint<CreateApiKeyRequest, NewApiKeyView>
{
    public override void Configure()
    {
        Post("/api-keys");
        Options(b => b.WithMetadata(CarriesSecret.Metadata));
        Roles(ApiScopes.Admin);
        Tags("API keys");
        Summary(s =>
        {
            s.Summary = "Create an API key";
            s.Description = "Creates a key for this tenant with one scope. The secret is in this response only; " +
                            "WinBack stores its hash. Live tenants get wb_live_ keys, test tenants wb_test_ keys. A tenant holds at " +
                            "most 50 active keys (WinBack__MaxApiKeysPerTenant); revoke one to make room.";
            s.ExampleRequest = new CreateApiKeyRequest { Scope = ApiKeyScope.Ingest, Description = "checkout service" };
            s.Responses[201] = "The new key, with its secret.";
            s.ResponseExamples[201] = new NewApiKeyView("key_01jdq3w5x8k2m9v4r7t6y1z0ae", ApiKeyScope.Ingest, "wb_test_…c0de",
                "checkout service", DateTimeOffset.Parse("2026-11-24T09:30:00Z"), "wb_test_5a8f…c0de");
            s.Responses[409] = "The tenant already holds the most active keys allowed (api_key_limit_reached).";
            s.ResponseExamples[409] = LimitReached(50);
        });
    }

    public override async Task HandleAsync(CreateApiKeyRequest request, CancellationToken ct)
    {
        var caller = HttpContext.Caller();
        var limit = options.Value.MaxApiKeysPerTenant;
        var minted = MintedApiKey.Mint(ids, clock, caller.Mode!.Value, request.Scope!.Value, request.Description);
        if (!await keys.TryInsertWithinLimitAsync(caller.RequireTenant(), minted.Key, limit, ct))
            throw new ApiException(LimitReached(limit));
        await Send.ResponseAsync(NewApiKeyView.Of(minted), StatusCodes.Status201Created, ct);
    }

    private static ApiProblem LimitReached(int limit) => ApiProblem.Of(StatusCodes.Status409Conflict, ErrorCodes.ApiKeyLimitReached,
        "Too many API keys", $"This tenant already holds {limit} active API keys, the most allowed. Revoke one it no longer uses first.");
}
