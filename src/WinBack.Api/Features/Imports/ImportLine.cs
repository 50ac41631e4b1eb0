using System.ComponentModel.DataAnnotations;
using FluentValidation;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Imports;

/// <summary>An amount in minor units of a currency.</summary>
public sealed class ImportMoney
{
    /// <summary>Minor units, 0 to 1,000,000,000,000.</summary>
    public long? Amount { get; set; }
    public string? Currency { get; set; }
}

/// <summary>One line of an import file: a customer and a summary of their history before WinBack.</summary>
public sealed class ImportLine
{
    /// <summary>Your own id for the customer.</summary>
    public string? CustomerId { get; set; }
    public string? Email { get; set; }
    public string? StripeCustomerId { get; set; }
    public Dictionary<string, string>? Attributes { get; set; }
    /// <summary>MM-DD or YYYY-MM-DD, as on the profile; birthday rules read it.</summary>
    public string? Birthday { get; set; }
    [Required] public DateTimeOffset? FirstSeenAt { get; set; }
    [Required] public DateTimeOffset? LastActivityAt { get; set; }
    public DateTimeOffset? LastPurchaseAt { get; set; }
    [Required] public int? OrderCount { get; set; }
    /// <summary>Total spent before WinBack, in minor units.</summary>
    [Required] public ImportMoney? LifetimeValue { get; set; }

    public CustomerImported ToEvent(string importId, DateTimeOffset now) => new(CustomerId!, importId, Email, StripeCustomerId,
        Attributes ?? new Dictionary<string, string>(), FirstSeenAt!.Value.ToUniversalTime(), LastActivityAt!.Value.ToUniversalTime(),
        LastPurchaseAt?.ToUniversalTime(), OrderCount!.Value, new Money(LifetimeValue!.Amount!.Value, LifetimeValue.Currency!), now, Birthday);

    public const string Example =
        """
        {"customerId":"cus_4711","email":"ada@example.com","attributes":{"channel":"web"},"birthday":"1990-07-14","firstSeenAt":"2024-02-01T00:00:00Z","lastActivityAt":"2026-08-30T12:00:00Z","lastPurchaseAt":"2026-08-30T12:00:00Z","orderCount":12,"lifetimeValue":{"amount":59880,"currency":"eur"}}
        {"customerId":"cus_4712","firstSeenAt":"2025-05-10T00:00:00Z","lastActivityAt":"2025-09-01T08:30:00Z","orderCount":0,"lifetimeValue":{"amount":0,"currency":"eur"}}
        """;
}

public sealed class ImportLineValidator : AbstractValidator<ImportLine>
{
    /// <param name="now">The tenant's clock when the import runs.</param>
    public ImportLineValidator(DateTimeOffset now)
    {
        this.CustomerId(x => x.CustomerId);
        RuleFor(x => x.FirstSeenAt).NotNull().WithinDateRange();
        RuleFor(x => x.LastActivityAt).NotNull().WithinDateRange();
        RuleFor(x => x.LastPurchaseAt).WithinDateRange();
        RuleFor(x => x.LastActivityAt).Must((line, last) => last >= line.FirstSeenAt, new SchemaFacts(Description: "Not before firstSeenAt."))
            .When(x => x.FirstSeenAt is not null && x.LastActivityAt is not null)
            .WithMessage("'lastActivityAt' cannot be before 'firstSeenAt'.");
        RuleFor(x => x.LastActivityAt).Must(last => ActivityRules.NotAhead(last, now), new SchemaFacts(Description: "Not in the future."))
            .When(x => x.LastActivityAt is not null).WithMessage("'lastActivityAt' is in the future.");
        RuleFor(x => x.OrderCount).NotNull();
        RuleFor(x => x.OrderCount).GreaterThanOrEqualTo(0).When(x => x.OrderCount is not null);
        RuleFor(x => x.LifetimeValue).NotNull();
        RuleFor(x => x.LifetimeValue!.Amount).NotNull().InclusiveBetween(0, Money.MaxAmount).When(x => x.LifetimeValue is not null)
            .OverridePropertyName("lifetimeValue.amount");
        RuleFor(x => x.LifetimeValue!.Currency).Must(Money.IsCurrencyCode, DocumentedRules.CurrencyCode).When(x => x.LifetimeValue is not null)
            .OverridePropertyName("lifetimeValue.currency")
            .WithMessage($"'currency' {Money.CurrencyRule}");
        this.AddProfileRules(x => x.Email, x => x.StripeCustomerId, x => x.Attributes);
        RuleFor(x => x.Birthday).Must(Birthday.IsValid).WithMessage(Birthday.Rule);
    }
}
