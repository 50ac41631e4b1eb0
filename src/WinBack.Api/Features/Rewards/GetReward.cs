using FastEndpoints;
using WinBack.Api.Infrastructure.Auth;

namespace WinBack.Api.Features.Rewards;

public sealed class GetRewardRequest
{
    /// <summary>The reward's id (<c>rwd_…</c>).</summary>
    [RouteParam]
    public string RewardId { get; set; } = "";
}

public sealed class GetRewardEndpoint(RewardLedger ledger) : Endpoint<GetRewardRequest, RewardView>
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

    public override async Task HandleAsync(GetRewardRequest request, CancellationToken ct) =>
        await Send.OkAsync(RewardView.Of(await ledger.FindAsync(request.RewardId, ct)), ct);
}
