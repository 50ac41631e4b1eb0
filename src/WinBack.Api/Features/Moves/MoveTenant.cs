using System.ComponentModel.DataAnnotations;
using FastEndpoints;
using FluentValidation;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Features.Moves;

public sealed class MoveTenantRequest
{
    /// <summary>The tenant's id (<c>ten_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";

    /// <summary>The shard to move the tenant to, by its name in WinBack:Shards.</summary>
    [Required]
    public string? ToShard { get; set; }
}

public sealed class MoveTenantValidator : Validator<MoveTenantRequest>
{
    public MoveTenantValidator()
    {
        RuleFor(x => x.ToShard).NotEmpty()
            .Must(shard => Resolve<ShardLayout>().Has(shard!)).WithMessage("'toShard' must name a configured shard (WinBack:Shards).");
    }
}

public sealed class MoveTenantEndpoint(TenantStore tenants, TenantMoves moves, MoveSignal signal, Ids ids, TimeProvider clock)
    : Endpoint<MoveTenantRequest, TenantMoveView>
{
    public override void Configure()
    {
        Post("/platform/tenants/{id}/move");
        Roles(ApiScopes.Platform);
        Tags("Platform");
        Summary(s =>
        {
            s.Summary = "Move a tenant to another shard";
            s.Description = "Operators only (platform key). Starts a durable job that copies the tenant's event streams (ids and versions " +
                            "kept; sequences are the target's own) and every table to the target shard while the source keeps serving, " +
                            "then freezes the tenant's writes for a few seconds (they get 503 `tenant_moving` with Retry-After; reads go on " +
                            "from the source), copies what arrived meanwhile, verifies rows and checksums per table, and flips the tenant " +
                            "to the target. Only then is the source deleted. A move interrupted anywhere is resumed by another worker; " +
                            "one that keeps failing before the flip (the target is away, the copy differs) is rolled back. " +
                            "Follow it at the Location given (GET /v1/platform/tenant-moves/{id}).";
            s.ExampleRequest = new MoveTenantRequest { ToShard = "b" };
            s.Responses[202] = "The move is queued; poll the Location.";
            s.Responses[404] = "No such tenant.";
            s.Responses[409] = "The tenant is already on that shard, or a move of it is already under way.";
            s.ResponseExamples[202] = TenantMoveView.Example with
            {
                Status = MoveStatus.Queued, Step = MoveSteps.Copy, Counts = new Dictionary<string, TableCount>(), FreezeMs = null, FlippedAt = null,
            };
        });
    }

    public override async Task HandleAsync(MoveTenantRequest request, CancellationToken ct)
    {
        var tenant = await tenants.FindAsync(request.Id, ct);
        if (tenant is null || tenant.Status != TenantStatus.Active)
            throw ApiException.NotFound("tenant", request.Id);
        if (tenant.Shard == request.ToShard)
            throw Conflict($"Tenant {tenant.Id} is already on shard {tenant.Shard}.");
        var move = TenantMove.Queued(ids.New("mov"), tenant.Id, tenant.Shard, request.ToShard!, clock.GetUtcNow());
        if (!await moves.QueueAsync(move, ct))
            throw Conflict($"Tenant {tenant.Id} is already being moved; follow that move, or ask again once it has finished.");
        signal.Wake();
        HttpContext.Response.Headers.Location = $"/v1/platform/tenant-moves/{move.Id}";
        await Send.ResponseAsync(TenantMoveView.Of(move), StatusCodes.Status202Accepted, ct);
    }

    private static ApiException Conflict(string detail) =>
        new(ApiProblem.Of(StatusCodes.Status409Conflict, ErrorCodes.MoveConflict, "Move not possible", detail));
}
