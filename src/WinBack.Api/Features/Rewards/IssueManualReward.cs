using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Rules;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rewards;

public sealed class IssueManualRewardRequest
{
    /// <summary>Your own id for the customer.</summary>
    [RouteParam]
    public string CustomerId { get; set; } = "";
    /// <summary>The reward, as in a rule (grant is always immediate here).</summary>
    public RuleReward? Reward { get; set; }
    /// <summary>Why the customer gets it; kept on the reward.</summary>
    /// <example>Goodwill after the delivery delay on order A-0997.</example>
    public string? Note { get; set; }
}

public sealed class IssueManualRewardValidator : Validator<IssueManualRewardRequest>
{
    public IssueManualRewardValidator()
    {
        RuleFor(x => x.Reward!).NotNull().SetValidator(new RuleFieldsValidator.RewardValidator());
        RuleFor(x => x.Reward!.Grant).Must(g => g is null or RewardGrant.Immediate).When(x => x.Reward is not null)
            .OverridePropertyName("reward.grant")
            .WithMessage("'reward.grant' must be immediate: a manual reward has no lapse episode to return from.");
        RuleFor(x => x.Reward!.Type).Must(t => t is not (RewardType.Pause or RewardType.TrialExtension)).When(x => x.Reward is not null)
            .OverridePropertyName("reward.type")
            .WithMessage("pause and trial_extension act on a subscription: they come from a save offer (POST /v1/customers/{id}/save-offers).");
        RuleFor(x => x.Note).NotEmpty().MaximumLength(500);
    }
}

public sealed class IssueManualRewardEndpoint(IQuerySession session, CustomerEventWriter writer, TenantClock clock, Ids ids)
    : Endpoint<IssueManualRewardRequest, RewardView>
{
    public override void Configure()
    {
        Post("/customers/{customerId}/rewards");
        Roles(ApiScopes.Admin);
        Tags("Rewards");
        Summary(s =>
        {
            s.Summary = "Issue a manual reward";
            s.Description = "A reward outside any rule, with a note: usable at once, expiring expiresInDays from now. It opens no " +
                            "lapse episode and counts against no rule's budget, cap or cooldown.";
            s.ExampleRequest = new IssueManualRewardRequest
            {
                Reward = new RuleReward { Type = RewardType.AccountCredit, Amount = 500, Currency = "eur", ExpiresInDays = 30 },
                Note = "Goodwill after the delivery delay on order A-0997.",
            };
            s.Responses[201] = "The reward.";
            s.ResponseExamples[201] = RewardView.Example with
            {
                EpisodeId = null, RuleId = null, RuleVersion = null, Variant = null, Amount = 500, Remaining = 500, Redemptions = [],
                Note = "Goodwill after the delivery delay on order A-0997.",
            };
        });
    }

    public override async Task HandleAsync(IssueManualRewardRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        // Customers are never deleted, so one seen here is still there when the write is decided.
        _ = await CustomerSummaries.LoadAsync(session, request.CustomerId, ct) ?? throw ApiException.NotFound("customer", request.CustomerId);
        var command = new IssueManualReward(ids.New("rwd"), request.Reward!.ToSpec(), request.Note!, await clock.NowAsync(tenantId, ct));
        var written = await writer.WriteAsync(new CustomerEventWrite(tenantId, request.CustomerId,
            current => LedgerDecider.Decide(command, current!)));
        await Send.ResponseAsync(RewardView.Of(written.Customer!.Reward(command.RewardId)!), StatusCodes.Status201Created, ct);
    }
}
