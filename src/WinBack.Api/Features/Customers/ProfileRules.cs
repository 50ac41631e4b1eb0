using System.ComponentModel.DataAnnotations;
using System.Linq.Expressions;
using FluentValidation;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Customers;

/// <summary>The field rules of a customer profile, shared by PUT /customers/{id} and the import.</summary>
public static class ProfileRules
{
    public const int MaxAttributes = 50;

    public static void AddProfileRules<T>(this AbstractValidator<T> validator, Expression<Func<T, string?>> email,
        Expression<Func<T, string?>> stripeCustomerId, Expression<Func<T, Dictionary<string, string>?>> attributes)
    {
        validator.RuleFor(email).MaximumLength(254).Must(e => e is null || new EmailAddressAttribute().IsValid(e), new SchemaFacts(Format: "email"))
            .WithMessage("'email' is not a valid email address.");
        validator.RuleFor(stripeCustomerId).Matches("^cus_[A-Za-z0-9]{1,100}$")
            .WithMessage("'stripeCustomerId' must look like cus_… (a Stripe customer id).");
        validator.RuleFor(attributes).Must(a => a is null || a.Count <= MaxAttributes, DocumentedRules.Map(MaxAttributes, 100, 500))
            .WithMessage($"'attributes' holds at most {MaxAttributes} entries.");
        validator.RuleFor(attributes).Must(a => a is null || a.All(kv => kv.Key.Length is > 0 and <= 100 && kv.Value.Length <= 500))
            .WithMessage("'attributes' keys are 1 to 100 characters and values at most 500.");
    }
}
