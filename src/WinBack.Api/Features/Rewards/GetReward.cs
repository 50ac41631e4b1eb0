using WinBack.Api.Features.Stripe;
using Marten;
using FastEndpoints;
using WinBack.Api.Infrastructure.Auth;

namespace WinBack.Api.Features.Rewards;

public sealed class GetRewardRequest
{
    /// <summary>The reward's id (<c>rwd_…</c>).</summary>
    [RouteParam]
    public string RewardId { get; set; } = "";
}

public sealed class GetRewardEndpoint(RewardLedger ledger, IDocumentStore store) : Endpoint<GetRewardRequest, RewardView>
{
    public override void Configure()
    {
        Get("/rewards/{rewardId}");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Rewards");
        Summary(s =>
        {
            s.Summary = "Get a reward";
            s.Description = "What was issued (rule, variant, value, expiry), its status and remaining value, and its redemptions.";
            s.Responses[200] = "The reward.";
            s.ResponseExamples[200] = RewardView.Example;
        });
    }

    public override async Task HandleAsync(GetRewardRequest request, CancellationToken ct)
    {
        var reward = await ledger.FindAsync(request.RewardId, ct);
        var sync = await StripeSyncView.ForAsync(store, HttpContext.Caller().RequireTenant(), [reward], ct);
        await Send.OkAsync(RewardView.Of(reward) with { StripeSync = sync.GetValueOrDefault(reward.Id) }, ct);
    }
}
