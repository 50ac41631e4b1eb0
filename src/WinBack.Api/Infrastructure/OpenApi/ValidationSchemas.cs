using System.Collections;
using System.Globalization;
using System.Reflection;
using FluentValidation;
using FluentValidation.Internal;
using FluentValidation.Validators;
using Microsoft.OpenApi;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>
/// What the API's FluentValidation validators check, per field, so that the OpenAPI document states it: required,
/// minLength/maxLength, minimum/maximum, pattern, format and enum from FluentValidation's own rules, and the rest from
/// rules that carry <see cref="SchemaFacts"/> (<see cref="DocumentedRules"/>, <see cref="DateRange"/>). A type checked
/// differently in different places (an amount of at least 0 here, 1 there) gets what holds everywhere.
/// </summary>
public sealed class ValidationSchemas
{
    private readonly List<Entry> _entries = [];

    /// <summary>One validator's facts about one member; <see cref="Root"/> is the type the top-level validator validates.</summary>
    /// <remarks><see cref="Condition"/> is the rule whose condition the facts hold under (null: they always hold).</remarks>
    private sealed record Entry(object Source, Type Root, MemberInfo Member, FieldRules Rules, object? Condition);

    public static ValidationSchemas Load(Assembly assembly)
    {
        var catalog = new ValidationSchemas();
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var type in assembly.GetTypes().Where(t => t is { IsAbstract: false, IsGenericTypeDefinition: false } && typeof(IValidator).IsAssignableFrom(t)))
            if (Create(type) is { } validator)
                catalog.Walk(validator, RootOf(validator), validator, visited);
        return catalog;
    }

    /// <summary>What holds for the member wherever it is validated (request bodies share their schemas).</summary>
    public FieldRules? ForMember(PropertyInfo member) => Loosest(_entries.Where(e => Same(e.Member, member)));

    /// <summary>What the validator of <paramref name="request"/> checks for one of its properties (a path, query or header parameter).</summary>
    public FieldRules? ForParameter(Type request, PropertyInfo member) =>
        Loosest(_entries.Where(e => e.Root == request && Same(e.Member, member)));

    private void Walk(IValidator validator, Type root, object source, HashSet<object> visited)
    {
        if (!visited.Add(validator))
            return;
        foreach (var rule in (IEnumerable<IValidationRule>)validator)
        {
            var collection = rule.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollectionRule<,>));
            foreach (var component in rule.Components)
            {
                if (component.Validator is IChildValidatorAdaptor && ChildOf(component.Validator) is { } child)
                {
                    // An included validator's rules are the including one's; a property's validator starts a type of its own.
                    if (rule is IIncludeRule)
                        Walk(child, root, source, visited);
                    else
                        Walk(child, RootOf(child), child, visited);
                    continue;
                }
                if (collection || rule.Member is not PropertyInfo member)
                    continue;
                var conditional = rule.HasCondition || rule.HasAsyncCondition || component.HasCondition || component.HasAsyncCondition;
                if (Describe(component.Validator, member.PropertyType, conditional) is { } rules)
                    _entries.Add(new Entry(source, root, member, rules, conditional ? rule : null));
            }
        }
    }

    private static FieldRules? Describe(IPropertyValidator validator, Type type, bool conditional)
    {
        var text = (Nullable.GetUnderlyingType(type) ?? type) == typeof(string);
        var collection = !text && typeof(IEnumerable).IsAssignableFrom(type);
        return validator switch
        {
            IDocumentedRule documented => FieldRules.Of(documented.Facts),
            INotNullValidator => new FieldRules { Required = !conditional },
            INotEmptyValidator => new FieldRules
            {
                Required = !conditional, MinLength = text ? 1 : null, MinItems = collection && !IsMap(type) ? 1 : null,
            },
            ILengthValidator length => new FieldRules { MinLength = length.Min > 0 ? length.Min : null, MaxLength = length.Max > 0 ? length.Max : null },
            IBetweenValidator between => validator.Name == "ExclusiveBetweenValidator"
                ? new FieldRules { Minimum = Number(between.From), Maximum = Number(between.To), ExclusiveMinimum = true, ExclusiveMaximum = true }
                : new FieldRules { Minimum = Number(between.From), Maximum = Number(between.To) },
            IComparisonValidator { ValueToCompare: { } value } comparison => comparison.Comparison switch
            {
                Comparison.GreaterThanOrEqual => new FieldRules { Minimum = Number(value) },
                Comparison.GreaterThan => new FieldRules { Minimum = Number(value), ExclusiveMinimum = true },
                Comparison.LessThanOrEqual => new FieldRules { Maximum = Number(value) },
                Comparison.LessThan => new FieldRules { Maximum = Number(value), ExclusiveMaximum = true },
                _ => null,
            },
            IRegularExpressionValidator regex => new FieldRules { Pattern = regex.Expression },
            IEmailValidator => new FieldRules { Format = "email" },
            _ => null,
        };
    }

    private static bool IsMap(Type type) =>
        type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));

    private static decimal? Number(object? value) =>
        value is IConvertible convertible && value is not string and not DateTime ? convertible.ToDecimal(CultureInfo.InvariantCulture) : null;

    // Several rules of one validator tighten each other; the same member checked by several validators keeps what all of them check.
    private static FieldRules? Loosest(IEnumerable<Entry> entries)
    {
        var bySource = entries.GroupBy(e => e.Source, ReferenceEqualityComparer.Instance).Select(OfOneValidator).ToList();
        return bySource.Count == 0 ? null : bySource.Aggregate(FieldRules.Loosest);
    }

    // What always holds, tightened by the conditional rules; those are alternatives (welcome's days from 0, other triggers' from 1),
    // so of them the schema states the loosest.
    private static FieldRules OfOneValidator(IEnumerable<Entry> entries)
    {
        var always = entries.Where(e => e.Condition is null).Select(e => e.Rules).ToList();
        var conditional = entries.Where(e => e.Condition is not null).GroupBy(e => e.Condition!, ReferenceEqualityComparer.Instance)
            .Select(g => g.Select(e => e.Rules).Aggregate(FieldRules.Tightest)).ToList();
        if (conditional.Count > 0)
            always.Add(conditional.Aggregate(FieldRules.Loosest));
        return always.Aggregate(FieldRules.Tightest);
    }

    private static bool Same(MemberInfo a, MemberInfo b) => a.Name == b.Name && a.DeclaringType == b.DeclaringType;

    private static Type RootOf(IValidator validator) =>
        validator.GetType().GetInterfaces().First(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IValidator<>)).GetGenericArguments()[0];

    // Validators built with arguments (a minimum, the tenant's clock) are met again, with their real arguments, where they are used.
    private static IValidator? Create(Type type)
    {
        var constructor = type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .OrderBy(c => c.GetParameters().Length).FirstOrDefault(c => c.GetParameters().All(p => p.ParameterType.IsValueType));
        return constructor?.Invoke(constructor.GetParameters().Select(p => Activator.CreateInstance(p.ParameterType)).ToArray()) as IValidator;
    }

    // ChildValidatorAdaptor<T, TProperty>.GetValidator(context, value): the validator it was given.
    private static IValidator? ChildOf(IPropertyValidator adaptor)
    {
        var method = adaptor.GetType().GetMethod("GetValidator", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance);
        if (method is null)
            return null;
        var parameters = method.GetParameters();
        var context = Activator.CreateInstance(parameters[0].ParameterType, [null]);
        return method.Invoke(adaptor, [context, null]) as IValidator;
    }
}

/// <summary>The constraints on one field, as the OpenAPI document states them.</summary>
public sealed record FieldRules
{
    public bool Required { get; init; }
    public int? MinLength { get; init; }
    public int? MaxLength { get; init; }
    public decimal? Minimum { get; init; }
    public decimal? Maximum { get; init; }
    public bool ExclusiveMinimum { get; init; }
    public bool ExclusiveMaximum { get; init; }
    public string? Pattern { get; init; }
    public string? Format { get; init; }
    public IReadOnlyList<string>? Enum { get; init; }
    public int? MinItems { get; init; }
    public int? MaxItems { get; init; }
    public int? MaxProperties { get; init; }
    public int? ValueMaxLength { get; init; }
    public IReadOnlyList<string> Descriptions { get; init; } = [];

    public static FieldRules Of(SchemaFacts facts) => new()
    {
        MinLength = facts.MinLength, MaxLength = facts.MaxLength, Pattern = facts.Pattern, Format = facts.Format, Enum = facts.Enum,
        MinItems = facts.MinItems, MaxItems = facts.MaxItems, MaxProperties = facts.MaxProperties, ValueMaxLength = facts.ValueMaxLength,
        Descriptions = facts.Description is { } d ? [d] : [],
    };

    public static FieldRules Tightest(FieldRules a, FieldRules b) => new()
    {
        Required = a.Required || b.Required,
        MinLength = Max(a.MinLength, b.MinLength), MaxLength = Min(a.MaxLength, b.MaxLength),
        Minimum = Max(a.Minimum, b.Minimum), Maximum = Min(a.Maximum, b.Maximum),
        ExclusiveMinimum = a.Minimum == b.Minimum ? a.ExclusiveMinimum || b.ExclusiveMinimum : a.Minimum > b.Minimum || b.Minimum is null ? a.ExclusiveMinimum : b.ExclusiveMinimum,
        ExclusiveMaximum = a.Maximum == b.Maximum ? a.ExclusiveMaximum || b.ExclusiveMaximum : a.Maximum < b.Maximum || b.Maximum is null ? a.ExclusiveMaximum : b.ExclusiveMaximum,
        Pattern = a.Pattern ?? b.Pattern, Format = a.Format ?? b.Format, Enum = a.Enum ?? b.Enum,
        MinItems = Max(a.MinItems, b.MinItems), MaxItems = Min(a.MaxItems, b.MaxItems),
        MaxProperties = Min(a.MaxProperties, b.MaxProperties), ValueMaxLength = Min(a.ValueMaxLength, b.ValueMaxLength),
        Descriptions = [.. a.Descriptions.Union(b.Descriptions)],
    };

    public static FieldRules Loosest(FieldRules a, FieldRules b) => new()
    {
        Required = a.Required && b.Required,
        MinLength = Both(a.MinLength, b.MinLength, Math.Min), MaxLength = Both(a.MaxLength, b.MaxLength, Math.Max),
        Minimum = Both(a.Minimum, b.Minimum, Math.Min), Maximum = Both(a.Maximum, b.Maximum, Math.Max),
        ExclusiveMinimum = a.ExclusiveMinimum && b.ExclusiveMinimum, ExclusiveMaximum = a.ExclusiveMaximum && b.ExclusiveMaximum,
        Pattern = a.Pattern == b.Pattern ? a.Pattern : null, Format = a.Format == b.Format ? a.Format : null,
        Enum = a.Enum is not null && b.Enum is not null && a.Enum.SequenceEqual(b.Enum) ? a.Enum : null,
        MinItems = Both(a.MinItems, b.MinItems, Math.Min), MaxItems = Both(a.MaxItems, b.MaxItems, Math.Max),
        MaxProperties = Both(a.MaxProperties, b.MaxProperties, Math.Max), ValueMaxLength = Both(a.ValueMaxLength, b.ValueMaxLength, Math.Max),
        Descriptions = [.. a.Descriptions.Intersect(b.Descriptions)],
    };

    /// <summary>Writes the constraints into a schema; descriptions go to <paramref name="describe"/> (the schema's own, or its parameter's).</summary>
    public void ApplyTo(OpenApiSchema schema, Action<string> describe)
    {
        schema.MinLength = MinLength ?? schema.MinLength;
        schema.MaxLength = MaxLength ?? schema.MaxLength;
        if (Minimum is { } minimum)
        {
            schema.Minimum = minimum.ToString(CultureInfo.InvariantCulture);
            if (ExclusiveMinimum) schema.ExclusiveMinimum = schema.Minimum;
        }
        if (Maximum is { } maximum)
        {
            schema.Maximum = maximum.ToString(CultureInfo.InvariantCulture);
            if (ExclusiveMaximum) schema.ExclusiveMaximum = schema.Maximum;
        }
        schema.Pattern = Pattern ?? schema.Pattern;
        schema.Format = Format ?? schema.Format;
        if (Enum is not null && schema.Enum is not { Count: > 0 })
            schema.Enum = Enum.Select(v => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(v)!).ToList();
        schema.MinItems = MinItems ?? schema.MinItems;
        schema.MaxItems = MaxItems ?? schema.MaxItems;
        schema.MaxProperties = MaxProperties ?? schema.MaxProperties;
        if (ValueMaxLength is { } valueMax && schema.AdditionalProperties is OpenApiSchema values)
            values.MaxLength = valueMax;
        foreach (var description in Descriptions)
            describe(description);
    }

    private static T? Max<T>(T? a, T? b) where T : struct, IComparable<T> => a is null ? b : b is null ? a : a.Value.CompareTo(b.Value) >= 0 ? a : b;
    private static T? Min<T>(T? a, T? b) where T : struct, IComparable<T> => a is null ? b : b is null ? a : a.Value.CompareTo(b.Value) <= 0 ? a : b;
    private static T? Both<T>(T? a, T? b, Func<T, T, T> pick) where T : struct => a is { } x && b is { } y ? pick(x, y) : null;
}
