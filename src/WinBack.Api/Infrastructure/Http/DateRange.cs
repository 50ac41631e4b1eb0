using FluentValidation;
using FluentValidation.Validators;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// The range every date and time the API takes must fall in: from 1970-01-01 (the Unix epoch, before anything an
/// imported customer history records) to 2100-01-01. Far from the ends of the calendar, so that windows of up to
/// 3,650 days, expiries and report ranges computed from an input never leave what .NET and PostgreSQL can represent.
/// </summary>
public static class DateRange
{
    public static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Latest = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public const string Text = "between 1970-01-01T00:00:00Z and 2100-01-01T00:00:00Z";
    public const string DayText = "between 1970-01-01 and 2100-01-01";

    public static bool Contains(DateTimeOffset value) => value >= Earliest && value <= Latest;

    public static bool Contains(DateOnly value) => Contains(new DateTimeOffset(value.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));

    public static IRuleBuilderOptions<T, DateTimeOffset?> WithinDateRange<T>(this IRuleBuilder<T, DateTimeOffset?> rule) =>
        rule.SetValidator(new Validator<T, DateTimeOffset?>(v => v is not { } value || Contains(value), Text));

    public static IRuleBuilderOptions<T, DateOnly?> WithinDateRange<T>(this IRuleBuilder<T, DateOnly?> rule) =>
        rule.SetValidator(new Validator<T, DateOnly?>(v => v is not { } value || Contains(value), DayText));

    // The OpenAPI document states the range in the field's description (date-time formats have no minimum or maximum).
    private sealed class Validator<T, TDate>(Func<TDate, bool> inRange, string text) : PropertyValidator<T, TDate>, IDocumentedRule
    {
        public override string Name => "DateRangeValidator";
        public SchemaFacts Facts { get; } = new(Description: $"Between {text[8..]}.");

        public override bool IsValid(ValidationContext<T> context, TDate value) => inRange(value);

        protected override string GetDefaultMessageTemplate(string errorCode) => $"'{{PropertyName}}' must be {text}.";
    }
}
