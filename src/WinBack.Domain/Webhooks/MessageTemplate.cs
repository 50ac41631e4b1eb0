using System.Text.RegularExpressions;

namespace WinBack.Domain.Webhooks;

/// <summary>
/// A rule's message template: every <c>{{name}}</c> (spaces inside the braces allowed) becomes its value, an empty
/// string when the value is missing, so a consumer never mails a raw placeholder.
/// </summary>
public static partial class MessageTemplate
{
    public static string Render(string template, IReadOnlyDictionary<string, string?> values) =>
        Placeholder().Replace(template, m => values.TryGetValue(m.Groups[1].Value.Trim(), out var value) ? value ?? "" : "");

    /// <summary>The placeholder names a template uses (rule validation refuses unknown ones).</summary>
    public static IEnumerable<string> PlaceholdersIn(string text) => Placeholder().Matches(text).Select(m => m.Groups[1].Value.Trim());

    [GeneratedRegex(@"\{\{([^{}]*)\}\}")]
    private static partial Regex Placeholder();
}
