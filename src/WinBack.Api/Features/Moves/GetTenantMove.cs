using FastEndpoints;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Features.Moves;

public sealed class GetTenantMoveRequest
{
    /// <summary>The move's id (<c>mov_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";
}

public sealed class GetTenantMoveEndpoint(TenantMoves moves) : Endpoint<GetTenantMoveRequest, TenantMoveView>
{
    public override void Configure()
    {
        Get("/platform/tenant-moves/{id}");
        Roles(ApiScopes.Platform);
        Tags("Platform");
        Summary(s =>
        {
            s.Summary = "Follow a tenant move";
            s.Description = "Operators only (platform key). `status`: queued, copying (the source serves reads and writes), frozen (writes " +
                            "answer 503 tenant_moving), verifying (checksums, then the flip, the source's last sends settled, the source " +
                            "deleted), succeeded, failed (could not even be rolled back: see `error`), rolled_back (the tenant stays on its " +
                            "shard; `error` says why). `step` is the step under way. `counts`: per table, the tenant's rows on the source " +
                            "and the target and whether their checksums agree (after verification; while copying, the rows copied). " +
                            "`freezeMs`: how long writes were frozen, from the freeze to the flip.";
            s.Responses[200] = "The move.";
            s.ResponseExamples[200] = TenantMoveView.Example;
        });
    }

    public override async Task HandleAsync(GetTenantMoveRequest request, CancellationToken ct) =>
        await Send.OkAsync(TenantMoveView.Of(await moves.FindAsync(request.Id, ct) ?? throw ApiException.NotFound("tenant move", request.Id)), ct);
}

/// <param name="Step">The step under way: copy, catch_up, verify_history, freeze, drain_outboxes, final_copy, verify, flip, settle, delete_source, done (or rollback).</param>
/// <param name="Counts">Per table, the tenant's rows on each shard (source null until verified) and whether their checksums agree.</param>
/// <param name="FreezeMs">How long the tenant's writes were refused: from the freeze to the flip. Null before the flip.</param>
/// <param name="Failures">Failed tries of the current step in a row (it is tried again; before the flip, 5 in a row roll the move back).</param>
public sealed record TenantMoveView(
    string Id, string TenantId, string FromShard, string ToShard, string Status, string Step, IReadOnlyDictionary<string, TableCount> Counts,
    long? FreezeMs, int Failures, string? Error, DateTimeOffset? FlippedAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static TenantMoveView Of(TenantMove m) =>
        new(m.Id, m.TenantId, m.FromShard, m.ToShard, m.Status, m.Step, m.Counts, m.FreezeMs, m.Failures, m.Error, m.FlippedAt, m.CreatedAt, m.UpdatedAt);

    public static readonly TenantMoveView Example = new("mov_01jdq3w5x8k2m9v4r7t6y1z0ae", "ten_01jdq3w5x8k2m9v4r7t6y1z0ab", "a", "b",
        MoveStatus.Succeeded, MoveSteps.Done,
        new Dictionary<string, TableCount>
        {
            ["winback.mt_events"] = new(100_000, 100_000, true), ["winback.mt_streams"] = new(20_000, 20_000, true),
            ["winback.customer_summary"] = new(20_000, 20_000, true), ["winback.webhook_delivery"] = new(4_210, 4_210, true),
        },
        1_840, 0, null, DateTimeOffset.Parse("2026-11-24T09:31:12Z"), DateTimeOffset.Parse("2026-11-24T09:30:00Z"), DateTimeOffset.Parse("2026-11-24T09:31:40Z"));
}
