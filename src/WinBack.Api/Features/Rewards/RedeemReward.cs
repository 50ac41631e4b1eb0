using FastEndpoints;
using FluentValidation;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Rewards;

public sealed class RedeemRewardRequest
{
    /// <summary>The reward's id (<c>rwd_…</c>).</summary>
    [RouteParam]
    public string RewardId { get; set; } = "";
    /// <summary>Your order's id. Redeeming the same reward for the same order again has no further effect.</summary>
    /// <example>A-1002</example>
    public string? OrderId { get; set; }
    /// <summary>account_credit only: the credit to use, in minor units; at most what is left. Omit for a discount, product or custom reward (one use).</summary>
    /// <example>300</example>
    public long? Amount { get; set; }
    /// <summary>account_credit only: the reward's currency.</summary>
    /// <example>eur</example>
    public string? Currency { get; set; }
}

public sealed class RedeemRewardValidator : Validator<RedeemRewardRequest>
{
    public RedeemRewardValidator()
    {
        RuleFor(x => x.OrderId).NotEmpty().MaximumLength(200);
        RuleFor(x => x.Amount).InclusiveBetween(1, Money.MaxAmount).When(x => x.Amount is not null);
        RuleFor(x => x.Currency).NotEmpty().WithMessage("'currency' is required with 'amount'.").When(x => x.Amount is not null);
        RuleFor(x => x.Currency).Must(Money.IsCurrencyCode, DocumentedRules.CurrencyCode).WithMessage($"'currency' {Money.CurrencyRule}").When(x => x.Currency is not null);
        RuleFor(x => x.Amount).NotNull().WithMessage("'amount' is required with 'currency'.").When(x => x.Currency is not null);
    }
}

public sealed class RedeemRewardEndpoint(RewardLedger ledger, Ids ids) : Endpoint<RedeemRewardRequest, RedemptionView>
{
    public override void Configure()
    {
        Post("/rewards/{rewardId}/redemptions");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Rewards");
        Summary(s =>
        {
            s.Summary = "Redeem a reward at checkout";
            s.Description = "Uses account credit (part of it is fine: amount and currency) or one use of a discount, product or custom " +
                            "reward (orderId only). The balance never goes negative: asking for more than is left gets 422 " +
                            "insufficient_balance. An expired reward gets 422 reward_expired, a revoked one reward_revoked, and a pending " +
                            "(on_return) one reward_pending until the customer comes back. The same orderId again answers 200 with the " +
                            "first redemption and changes nothing.";
            s.ExampleRequest = new RedeemRewardRequest { OrderId = "A-1002", Amount = 300, Currency = "eur" };
            s.Responses[201] = "Redeemed.";
            s.Responses[200] = "This order already redeemed the reward; nothing changed.";
            s.ResponseExamples[201] = RewardView.Example.Redemptions[0];
            s.ResponseExamples[200] = RewardView.Example.Redemptions[0];
            s.Responses[422] = "The reward cannot cover it: insufficient_balance (more than is left, or no uses left), reward_expired, " +
                               "reward_revoked, reward_pending, currency_mismatch or amount_mismatch.";
            s.ResponseExamples[422] = ProblemMapping.FromException(new DomainRuleViolated(LedgerDecider.InsufficientBalance,
                "The reward has 700 eur left; 1000 was asked for."));
        });
    }

    public override async Task HandleAsync(RedeemRewardRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var amount = request.Amount is { } a ? new Money(a, request.Currency!) : null;
        var command = (DateTimeOffset now) => new RedeemReward(request.RewardId, ids.New("red"), request.OrderId!, amount, now);
        var (reward, events) = await ledger.ChangeAsync(tenantId, request.RewardId,
            (customer, current, now) => LedgerDecider.Decide(command(now), customer, current), ct);

        var redemption = reward.Redemptions.Last(r => r.OrderId == request.OrderId && !r.Reversed);
        await Send.ResponseAsync(RedemptionView.Of(reward, redemption), events.Count > 0 ? StatusCodes.Status201Created : StatusCodes.Status200OK, ct);
    }
}
