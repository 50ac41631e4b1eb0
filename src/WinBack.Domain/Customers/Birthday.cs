using System.Globalization;

namespace WinBack.Domain.Customers;

/// <summary>A customer's birthday as the profile holds it: <c>MM-DD</c>, or <c>YYYY-MM-DD</c> when the year is known.</summary>
public sealed record Birthday(int Month, int Day, int? Year)
{
    public const string Rule = "'birthday' must be MM-DD or YYYY-MM-DD (a real date, year 1900 or later).";

    /// <summary>The birthday written in <paramref name="text"/>, or null when it is not a real MM-DD or YYYY-MM-DD date.</summary>
    public static Birthday? Parse(string? text)
    {
        if (text is null)
            return null;
        if (text.Length == 5 && DateOnly.TryParseExact("2000-" + text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var any))
            return new Birthday(any.Month, any.Day, null); // 2000 is a leap year, so 02-29 is a birthday
        if (text.Length == 10 && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var full)
                              && full.Year >= 1900)
            return new Birthday(full.Month, full.Day, full.Year);
        return null;
    }

    public static bool IsValid(string? text) => text is null || Parse(text) is not null;

    /// <summary>The birthday's date in <paramref name="year"/>: 29 February falls on 28 February in other years.</summary>
    public DateOnly In(int year) =>
        Month == 2 && Day == 29 && !DateTime.IsLeapYear(year) ? new DateOnly(year, 2, 28) : new DateOnly(year, Month, Day);
}
