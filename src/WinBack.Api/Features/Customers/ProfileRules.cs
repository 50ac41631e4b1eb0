using System.ComponentModel.DataAnnotations;
using System.Linq.Expressions;
using FluentValidation;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

/// <summary>The field rules of a customer profile, shared by PUT /customers/{id} and the import.</summary>
[Published]
public static class ProfileRules
{
    public const int MaxAttributes = 50;

    /// <summary>Whether <paramref name="requested"/> changes a Stripe customer id that is set: where credits go, so only an admin key may.</summary>
    public static bool RepointsStripeCustomer(Customer? current, string? requested) =>
        current?.StripeCustomerId is { } set && set != requested;

    public static readonly ApiProblem StripeIdNeedsAdmin = ApiProblem.Of(403, ErrorCodes.InsufficientScope, "Insufficient scope",
        "This customer's stripeCustomerId is set; changing or removing it takes a key with scope admin (it says where credits go). " +
        "Send it unchanged to update the rest of the profile.");

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
