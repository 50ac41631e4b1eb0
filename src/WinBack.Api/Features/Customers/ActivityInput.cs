using FluentValidation.Results;
using System.Linq.Expressions;
using FluentValidation;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

/// <summary>The fields of one activity, shared by the single and the batch endpoint.</summary>
public class ActivityInput
{
    /// <summary>What the customer did.</summary>
    public ActivityType? Type { get; set; }
    /// <summary>When it happened (RFC 3339). Default: now (a test tenant's clock). Past times are fine; more than 5 minutes ahead is refused.</summary>
    public DateTimeOffset? OccurredAt { get; set; }
    /// <summary>Minor units (cents), 0 to 1,000,000,000,000. Required for purchase and refund, and only for them.</summary>
    public long? Amount { get; set; }
    /// <summary>ISO 4217 code such as "eur". Required with amount.</summary>
    public string? Currency { get; set; }
    /// <summary>Why a subscription was cancelled; only for subscription_cancelled. Default: other.</summary>
    public ChurnReason? Reason { get; set; }
    /// <summary>The custom activity's name, e.g. "webinar_attended"; required for custom, and only for it.</summary>
    public string? Name { get; set; }
    /// <summary>Free-form string properties, up to 20.</summary>
    public Dictionary<string, string>? Properties { get; set; }
    /// <summary>Your own id for this activity. A resend with the same externalId for the same customer has no effect.</summary>
    public string? ExternalId { get; set; }

    /// <summary>
    /// The one way an activity that passed its field rules (<see cref="ActivityInputValidator"/>) becomes an event, for every
    /// endpoint that records one: checked against the tenant's clock, which the validator cannot know, then decided by the domain.
    /// </summary>
    /// <exception cref="ApiException">400 when it claims to happen more than 5 minutes after <paramref name="now"/>.</exception>
    public ActivityRecorded Decide(string customerId, string activityId, DateTimeOffset now)
    {
        if (!ActivityRules.NotAhead(OccurredAt, now))
            throw new ApiException(ProblemMapping.FromValidation(
                [new ValidationFailure("occurredAt", $"'occurredAt' is more than 5 minutes in the future (it is {now:yyyy-MM-ddTHH:mm:ssZ} now).")],
                StatusCodes.Status400BadRequest));
        return CustomerDecider.Decide(new RecordActivity(customerId, activityId, Type!.Value, OccurredAt,
            Amount is { } amount ? new Money(amount, Currency!) : null, Reason, Name, Properties, ExternalId, now));
    }
}

/// <summary>The rules every way of reporting activity shares: the single and batch endpoints, and the import's lines.</summary>
[Published]
public static class ActivityRules
{
    /// <summary>Whether a time reported as past is at most the tolerated clock skew ahead of the tenant's <paramref name="now"/>.</summary>
    public static bool NotAhead(DateTimeOffset? at, DateTimeOffset now) => at is not { } t || t <= now + CustomerDecider.FutureTolerance;

    public static IRuleBuilderOptions<T, string?> CustomerId<T>(this AbstractValidator<T> validator, Expression<Func<T, string?>> customerId) =>
        validator.RuleFor(customerId).Must(CustomerIds.IsValid, DocumentedRules.CustomerId).WithMessage(CustomerIds.Rule);
}

/// <summary>Field rules for an activity; each broken rule names its field.</summary>
public sealed class ActivityInputValidator : AbstractValidator<ActivityInput>
{
    public const int MaxProperties = 20;

    // An occurredAt too far ahead is checked by ActivityInput.Decide: it needs the tenant's clock,
    // which for a test tenant is not the wall clock.
    public ActivityInputValidator()
    {
        RuleFor(x => x.Type).NotNull();
        RuleFor(x => x.OccurredAt).WithinDateRange();

        When(x => x.Type is { } type && ActivityRecorded.IsRevenue(type), () =>
        {
            RuleFor(x => x.Amount).NotNull().WithMessage("'amount' is required for purchase and refund.")
                .InclusiveBetween(0, Money.MaxAmount);
            RuleFor(x => x.Currency).NotEmpty().WithMessage("'currency' is required for purchase and refund.")
                .Must(Money.IsCurrencyCode, DocumentedRules.CurrencyCode).WithMessage($"'currency' {Money.CurrencyRule}");
        }).Otherwise(() =>
        {
            RuleFor(x => x.Amount).Null().WithMessage("'amount' is only for purchase and refund.");
            RuleFor(x => x.Currency).Null().WithMessage("'currency' is only for purchase and refund.");
        });

        RuleFor(x => x.Reason).Null().When(x => x.Type is not ActivityType.SubscriptionCancelled)
            .WithMessage("'reason' is only for subscription_cancelled.");
        RuleFor(x => x.Name).NotEmpty().MaximumLength(100).When(x => x.Type is ActivityType.Custom)
            .WithMessage("'name' is required for custom activities (at most 100 characters).");
        RuleFor(x => x.Name).Null().When(x => x.Type is not ActivityType.Custom)
            .WithMessage("'name' is only for custom activities.");
        RuleFor(x => x.Properties).Must(p => p!.Count <= MaxProperties, DocumentedRules.Map(MaxProperties, 50, 500)).When(x => x.Properties is not null)
            .WithMessage($"'properties' holds at most {MaxProperties} entries.");
        RuleFor(x => x.Properties).Must(p => p!.All(kv => kv.Key.Length is > 0 and <= 50 && kv.Value.Length <= 500))
            .When(x => x.Properties is not null)
            .WithMessage("'properties' keys are 1 to 50 characters and values at most 500.");
        RuleFor(x => x.ExternalId).NotEmpty().MaximumLength(200).When(x => x.ExternalId is not null);
    }
}

/// <summary>The customer ids WinBack accepts: the tenant's own, 1 to 200 visible characters, no slash.</summary>
[Published]
public static class CustomerIds
{
    public const string Rule = "'customerId' must be 1 to 200 characters: letters, digits and . _ - : @ +, and not a WinBack rule id (rule_…)";

    // Rule streams share the event store's string stream ids with customers, so a rule's id is never a customer's.
    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= 200 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' or '@' or '+')
        && !Ids.HasPrefix(id, "rule");
}

/// <summary>An activity as WinBack recorded it.</summary>
public sealed record ActivityView(
    string Id, string CustomerId, ActivityType Type, DateTimeOffset OccurredAt, DateTimeOffset RecordedAt,
    long? Amount, string? Currency, ChurnReason? Reason, string? Name, IReadOnlyDictionary<string, string>? Properties,
    string? ExternalId, bool Duplicate)
{
    public static ActivityView Of(ActivityRecorded e, bool duplicate) =>
        new(e.ActivityId, e.CustomerId, e.Type, e.OccurredAt, e.RecordedAt, e.Amount?.Amount, e.Amount?.Currency, e.Reason, e.Name,
            e.Properties, e.ExternalId, duplicate);

    public static readonly ActivityView Example = new("act_01jdq3w5x8k2m9v4r7t6y1z0ab", "cus_4711", ActivityType.Purchase,
        DateTimeOffset.Parse("2026-11-24T09:12:00Z"), DateTimeOffset.Parse("2026-11-24T09:12:01Z"), 4990, "eur", null, null,
        new Dictionary<string, string> { ["orderId"] = "A-1001" }, "order-A-1001", false);
}
