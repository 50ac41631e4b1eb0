using System.Linq.Expressions;
using FluentValidation;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Reports;

/// <summary>The rules the reports' query parameters share (the saves report's too).</summary>
[Infrastructure.Hosting.Published]
public static class ReportRequestRules
{
    /// <summary>groupBy, when given, is one of <paramref name="groupings"/>.</summary>
    public static void GroupBy<T>(this AbstractValidator<T> validator, Expression<Func<T, string?>> groupBy, IEnumerable<string> groupings)
    {
        var names = groupings.ToList();
        var value = groupBy.Compile();
        validator.RuleFor(groupBy).Must(g => names.Contains(g!), DocumentedRules.OneOf(names)).When(x => value(x) is not null)
            .WithMessage($"'groupBy' must be one of {string.Join(", ", names)}.");
    }

    /// <summary>from and to are real UTC days, to not before from.</summary>
    public static void Period<T>(this AbstractValidator<T> validator, Expression<Func<T, DateOnly?>> from, Expression<Func<T, DateOnly?>> to)
    {
        var (start, end) = (from.Compile(), to.Compile());
        validator.RuleFor(from).WithinDateRange();
        validator.RuleFor(to).WithinDateRange();
        validator.RuleFor(to).GreaterThanOrEqualTo(from).When(x => start(x) is not null && end(x) is not null).WithMessage("'to' cannot be before 'from'.");
    }
}
