using System.ComponentModel.DataAnnotations;
using FastEndpoints;
using FluentValidation;
using WinBack.Api.Features.ApiKeys;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Sharding;
using WinBack.Domain.Tenants;

namespace WinBack.Api.Features.Tenants;

public sealed class CreateTenantRequest
{
    /// <summary>The company's name, as shown to operators.</summary>
    [Required]
    public string? Name { get; set; }

    /// <summary><c>live</c> for production data, <c>test</c> for integration tests (keys start with wb_test_).</summary>
    [Required]
    public TenantMode? Mode { get; set; }

    /// <summary>The shard to hold the tenant's data, by its name in WinBack:Shards. Default: the shard with the fewest tenants.</summary>
    public string? Shard { get; set; }
}

public sealed class CreateTenantValidator : Validator<CreateTenantRequest>
{
    public CreateTenantValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(100);
        RuleFor(x => x.Mode).NotNull();
        RuleFor(x => x.Shard).Must(shard => shard is null || Resolve<ShardLayout>().Has(shard))
            .WithMessage("'shard' must name a configured shard (WinBack:Shards).");
    }
}

public sealed class CreateTenantEndpoint(TenantPlacement placement, Ids ids, TimeProvider clock)
    : Endpoint<CreateTenantRequest, CreateTenantResponse>
{
    public override void Configure()
    {
        Post("/tenants");
        Options(b => b.WithMetadata(CarriesSecret.Metadata));
        Roles(ApiScopes.Platform);
        Tags("Tenants");
        Summary(s =>
        {
            s.Summary = "Create a tenant";
            s.Description = "Operators only (platform key). Creates a tenant and returns its first two API keys, " +
                            "one admin and one ingest. The secrets are shown here once and stored only as hashes.";
            s.ExampleRequest = new CreateTenantRequest { Name = "acme", Mode = TenantMode.Test };
            s.Responses[201] = "The tenant, with its first keys.";
            s.ResponseExamples[201] = new CreateTenantResponse("ten_01jdq3w5x8k2m9v4r7t6y1z0ab", "acme", TenantMode.Test,
                DateTimeOffset.Parse("2026-11-24T09:30:00Z"), "main", ApiVersions.Latest,
                [
                    new NewApiKeyView("key_01jdq3w5x8k2m9v4r7t6y1z0ac", ApiKeyScope.Admin, "wb_test_…9f3a", "admin", DateTimeOffset.Parse("2026-11-24T09:30:00Z"), "wb_test_2c5e…9f3a"),
                    new NewApiKeyView("key_01jdq3w5x8k2m9v4r7t6y1z0ad", ApiKeyScope.Ingest, "wb_test_…41be", "ingest", DateTimeOffset.Parse("2026-11-24T09:30:00Z"), "wb_test_7d10…41be"),
                ]);
        });
    }

    public override async Task HandleAsync(CreateTenantRequest request, CancellationToken ct)
    {
        var mode = request.Mode!.Value;
        var keys = new[] { ApiKeyScope.Admin, ApiKeyScope.Ingest }
            .Select(scope => MintedApiKey.Mint(ids, clock, mode, scope, scope.AsClaim()))
            .ToList();
        var tenant = await placement.CreateAsync(new Tenant
        {
            Id = ids.New("ten"), Name = request.Name!, Mode = mode, CreatedAt = clock.GetUtcNow(), Shard = "", Status = TenantStatus.Provisioning,
        }, request.Shard, keys.Select(k => k.Key).ToList(), ct);

        await Send.ResponseAsync(new CreateTenantResponse(tenant.Id, tenant.Name, tenant.Mode, tenant.CreatedAt, tenant.Shard, tenant.ApiVersion,
            keys.Select(NewApiKeyView.Of).ToList()), StatusCodes.Status201Created, ct);
    }
}

/// <param name="Shard">The shard that holds the tenant's data.</param>
/// <param name="ApiVersion">The tenant's pinned API version: its keys' requests without an API-Version header are served at it.</param>
public sealed record CreateTenantResponse(
    string Id, string Name, TenantMode Mode, DateTimeOffset CreatedAt, string Shard, string ApiVersion, IReadOnlyList<NewApiKeyView> ApiKeys);
