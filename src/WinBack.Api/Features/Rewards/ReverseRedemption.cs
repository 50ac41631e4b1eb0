using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Rewards;

public sealed class ReverseRedemptionRequest
{
    /// <summary>The redemption's id (<c>red_…</c>).</summary>
    [RouteParam]
    public string RedemptionId { get; set; } = "";
}

public sealed class ReverseRedemptionEndpoint(RewardLedger ledger, IQuerySession session) : Endpoint<ReverseRedemptionRequest, RedemptionView>
{
    public override void Configure()
    {
        Post("/redemptions/{redemptionId}/reversal");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Rewards");
        Summary(s =>
        {
            s.Summary = "Reverse a redemption (order refunded)";
            s.Description = "The order that redeemed the reward was refunded: its credit, or its use, goes back to the reward. When " +
                            "the reward has expired or been revoked since, the value comes back and leaves again at once (both show in " +
                            "the ledger; the balance does not change). Reversing twice changes nothing the second time.";
            s.Responses[200] = "The redemption, reversed.";
            s.ResponseExamples[200] = RewardView.Example.Redemptions[0] with { Reversed = true };
        });
    }

    public override async Task HandleAsync(ReverseRedemptionRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var record = await session.LoadAsync<RedemptionRecord>(request.RedemptionId, ct)
                     ?? throw ApiException.NotFound("redemption", request.RedemptionId);
        var (reward, _) = await ledger.ChangeAsync(tenantId, record.RewardId,
            (customer, current, now) => LedgerDecider.Decide(new ReverseRedemption(record.RewardId, record.Id, now), customer, current), ct);
        await Send.OkAsync(RedemptionView.Of(reward, reward.Redemptions.Single(r => r.Id == record.Id)), ct);
    }
}
