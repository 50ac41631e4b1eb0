using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

public sealed class StartBacktestRequest
{
    /// <summary>A rule definition to backtest, validated as on create. Send this or ruleId, not both.</summary>
    public RuleFields? Rule { get; set; }
    /// <summary>A saved rule to backtest (its current version). Send this or rule, not both.</summary>
    /// <example>rule_01jdq3w5x8k2m9v4r7t6y1z0ab</example>
    public string? RuleId { get; set; }
    /// <summary>The period's start (RFC 3339, or a date for its start in UTC).</summary>
    /// <example>2026-07-01T00:00:00Z</example>
    public DateTimeOffset? From { get; set; }
    /// <summary>The period's end, at most 2 years after from.</summary>
    /// <example>2026-10-01T00:00:00Z</example>
    public DateTimeOffset? To { get; set; }
}

public sealed class StartBacktestValidator : Validator<StartBacktestRequest>
{
    public const int MaxYears = 2;

    public StartBacktestValidator()
    {
        RuleFor(x => x.Rule).NotNull().When(x => x.RuleId is null).WithMessage("Send rule (a definition) or ruleId.");
        RuleFor(x => x.RuleId).Null().When(x => x.Rule is not null).WithMessage("Send rule or ruleId, not both.");
        RuleFor(x => x.Rule!).SetValidator(new RuleFieldsValidator()).When(x => x.Rule is not null);
        RuleFor(x => x.From).NotNull().WithinDateRange();
        RuleFor(x => x.To).NotNull().WithinDateRange();
        RuleFor(x => x.From).Must((x, from) => from <= x.To).When(BothInRange).WithMessage("from must not come after to.");
        RuleFor(x => x.To).Must((x, to) => to <= x.From!.Value.AddYears(MaxYears)).When(BothInRange)
            .WithMessage($"The period is at most {MaxYears} years.");
    }

    // Out-of-range dates have their own message, and adding years to them would overflow.
    private static bool BothInRange(StartBacktestRequest x) => x is { From: { } from, To: { } to } && DateRange.Contains(from) && DateRange.Contains(to);
}

public sealed class StartBacktestEndpoint(IDocumentSession session, Ids ids, TimeProvider wall, BacktestSignal signal)
    : Endpoint<StartBacktestRequest, BacktestJobView>
{
    public override void Configure()
    {
        Post("/rules/backtest");
        Roles(ApiScopes.Admin);
        Tags("Rules");
        Summary(s =>
        {
            s.Summary = "Backtest a rule over a past period";
            s.Description = "Queues a replay of your tenant's own customer events (activities, profiles, imports) as if the rule had been " +
                            "active from `from` to `to`, and answers at once; the worker runs it. Every crossing or moment of the rule's " +
                            "trigger within the period is decided as the engine would have: eligibility, cooldown, per-customer cap, and " +
                            "total and daily budgets in time order. The holdout is not applied, and the rewards the engine really issued " +
                            "are not seen. The result counts rewards and their cost per day and ISO week, what would have been withheld " +
                            "by reason, and what the customers reached did within the attribution window afterwards. That part is " +
                            "observational, not causal: no holdout existed. Nothing is written to the ledger and nothing is sent. " +
                            "Follow it at the Location given (GET /v1/rules/backtests/{id}).";
            s.ExampleRequest = new StartBacktestRequest
            {
                RuleId = "rule_01jdq3w5x8k2m9v4r7t6y1z0ab", From = DateTimeOffset.Parse("2026-07-01T00:00:00Z"), To = DateTimeOffset.Parse("2026-10-01T00:00:00Z"),
            };
            s.Responses[202] = "The backtest, queued.";
            s.Responses[404] = "No rule with that ruleId.";
            s.Responses[400] = "Bad input, named per field; also a cancellation_intent rule (save offers are answered as cancel attempts come, and none are replayed).";
            s.ResponseExamples[202] = BacktestJobView.Example with { Status = BacktestStatus.Queued, StartedAt = null, CompletedAt = null, Result = null };
        });
    }

    public override async Task HandleAsync(StartBacktestRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var definition = request.RuleId is { } ruleId
            ? (await session.LoadAsync<RuleSummary>(ruleId, ct) ?? throw ApiException.NotFound("rule", ruleId)).State.Definition
            : request.Rule!.ToDefinition();
        // Save offers answer cancel attempts as they happen; the event store holds no attempt to replay.
        if (definition.Trigger.Type == TriggerType.CancellationIntent)
            throw new ApiException(ProblemMapping.FromValidation([new FluentValidation.Results.ValidationFailure(request.RuleId is null ? "rule.trigger.type" : "ruleId",
                "A cancellation_intent rule makes save offers when the cancel flow asks; it is not swept, and past cancel attempts are not replayed: nothing to backtest.")],
                StatusCodes.Status400BadRequest));
        var job = new BacktestJob
        {
            Id = ids.New("bt"), TenantId = tenantId, RuleId = request.RuleId, Definition = definition, From = request.From!.Value.ToUniversalTime(),
            To = request.To!.Value.ToUniversalTime(), CreatedAt = wall.GetUtcNow(),
        };
        session.Store(job);
        await session.SaveChangesAsync(ct);
        signal.Wake();
        HttpContext.Response.Headers.Location = $"/v1/rules/backtests/{job.Id}";
        await Send.ResponseAsync(BacktestJobView.Of(job), StatusCodes.Status202Accepted, ct);
    }
}
