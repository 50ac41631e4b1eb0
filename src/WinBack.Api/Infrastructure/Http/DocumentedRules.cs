using FluentValidation;
using FluentValidation.Validators;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// What the OpenAPI document states for a validation rule that FluentValidation cannot describe itself (a Must). Null
/// parts state nothing; <see cref="Description"/> is appended to the field's description.
/// </summary>
public sealed record SchemaFacts(
    int? MinLength = null, int? MaxLength = null, string? Pattern = null, string? Format = null, IReadOnlyList<string>? Enum = null,
    int? MinItems = null, int? MaxItems = null, int? MaxProperties = null, int? ValueMaxLength = null, string? Description = null);

/// <summary>A rule that carries its own <see cref="SchemaFacts"/>, for the OpenAPI document.</summary>
public interface IDocumentedRule
{
    SchemaFacts Facts { get; }
}

/// <summary>Must-style rules that say what they check, so that the OpenAPI document states it (ValidationSchemas reads them).</summary>
public static class DocumentedRules
{
    public static readonly SchemaFacts CurrencyCode = new(Pattern: "^[A-Za-z]{3}$");
    public static readonly SchemaFacts CustomerId = new(MinLength: 1, MaxLength: 200, Pattern: "^[A-Za-z0-9._:@+-]{1,200}$",
        Description: "Not a WinBack rule id (rule_…).");
    public static readonly SchemaFacts EventType = new(Enum: WebhookEventTypes.Subscribable.Order(StringComparer.Ordinal).ToList());

    public static SchemaFacts PrefixedId(string prefix) => new(Pattern: $"^{prefix}_[0-9a-z]{{26}}$");

    public static SchemaFacts OneOf(IEnumerable<string> values) => new(Enum: values.ToList());

    /// <summary>A map of up to <paramref name="entries"/> entries with keys of 1 to <paramref name="keyLength"/> characters and values of at most <paramref name="valueLength"/>.</summary>
    public static SchemaFacts Map(int entries, int keyLength, int valueLength) => new(MaxProperties: entries, ValueMaxLength: valueLength,
        Description: $"At most {entries} entries; keys 1 to {keyLength} characters, values at most {valueLength}.");

    public static SchemaFacts Items(int min, int max) => new(MinItems: min, MaxItems: max);

    /// <summary>Like FluentValidation's Must, with what it checks stated for the OpenAPI document.</summary>
    public static IRuleBuilderOptions<T, TProperty> Must<T, TProperty>(this IRuleBuilder<T, TProperty> rule, Func<TProperty, bool> predicate,
        SchemaFacts documented) =>
        rule.SetValidator(new Predicate<T, TProperty>((_, value) => predicate(value), documented));

    /// <inheritdoc cref="Must{T,TProperty}(IRuleBuilder{T,TProperty},Func{TProperty,bool},SchemaFacts)"/>
    public static IRuleBuilderOptions<T, TProperty> Must<T, TProperty>(this IRuleBuilder<T, TProperty> rule, Func<T, TProperty, bool> predicate,
        SchemaFacts documented) =>
        rule.SetValidator(new Predicate<T, TProperty>(predicate, documented));

    private sealed class Predicate<T, TProperty>(Func<T, TProperty, bool> predicate, SchemaFacts facts) : PropertyValidator<T, TProperty>, IDocumentedRule
    {
        public override string Name => "PredicateValidator";
        public SchemaFacts Facts => facts;

        public override bool IsValid(ValidationContext<T> context, TProperty value) => predicate(context.InstanceToValidate, value);

        protected override string GetDefaultMessageTemplate(string errorCode) => Localized(errorCode, "PredicateValidator");
    }
}
