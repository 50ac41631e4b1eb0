using FastEndpoints;
using FluentValidation;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Rewards;

public sealed class RevokeRewardRequest
{
    /// <summary>The reward's id (<c>rwd_…</c>).</summary>
    [RouteParam]
    public string RewardId { get; set; } = "";
    /// <summary>Why the reward is taken back; kept in the ledger.</summary>
    /// <example>Issued by mistake to a test account.</example>
    public string? Reason { get; set; }
}

public sealed class RevokeRewardValidator : Validator<RevokeRewardRequest>
{
    public RevokeRewardValidator() => RuleFor(x => x.Reason).NotEmpty().MaximumLength(500);
}

public sealed class RevokeRewardEndpoint(RewardLedger ledger) : Endpoint<RevokeRewardRequest, RewardView>
{
    public override void Configure()
    {
        Post("/rewards/{rewardId}/revoke");
        Roles(ApiScopes.Admin);
        Tags("Rewards");
        Summary(s =>
        {
            s.Summary = "Revoke a reward";
            s.Description = "Takes back what is left of a pending or available reward; its unused credit leaves the balance. " +
                            "Revoking a revoked reward changes nothing. An expired or used-up reward has nothing left: 409.";
            s.ExampleRequest = new RevokeRewardRequest { Reason = "Issued by mistake to a test account." };
            s.Responses[200] = "The reward, revoked.";
            s.ResponseExamples[200] = RewardView.Example with { Status = RewardStatus.Revoked, Remaining = 0 };
            s.Responses[409] = "The reward expired (reward_expired) or was used up (reward_redeemed).";
            s.ResponseExamples[409] = ProblemMapping.FromException(DomainRuleViolated.Conflict(LedgerDecider.RewardExpiredCode,
                "The reward is expired; there is nothing left to revoke."));
        });
    }

    public override async Task HandleAsync(RevokeRewardRequest request, CancellationToken ct)
    {
        var (reward, _) = await ledger.ChangeAsync(HttpContext.Caller().RequireTenant(), request.RewardId,
            (customer, current, now) => LedgerDecider.Decide(new RevokeReward(request.RewardId, request.Reason!, now), customer, current), ct);
        await Send.OkAsync(RewardView.Of(reward), ct);
    }
}
