using System.Globalization;
using System.Text.RegularExpressions;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Webhooks;

/// <summary>The subject and body of the "we miss you" message for an issued reward, rendered for the reward.issued webhook.</summary>
public static partial class RewardMessage
{
    // Currencies without minor units (ISO 4217 exponent 0): their amounts are whole units already.
    private static readonly HashSet<string> ZeroDecimal =
        ["bif", "clp", "djf", "gnf", "isk", "jpy", "kmf", "krw", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"];

    /// <summary>The variant's message if it has one, else the rule's; null when the rule has none.</summary>
    public static Message? Render(RuleDefinition rule, RewardIssued reward, string? customerEmail)
    {
        var template = rule.Arms.FirstOrDefault(a => a.Name == reward.Variant)?.Message ?? rule.Message;
        if (template is null)
            return null;
        var values = new Dictionary<string, string?>
        {
            ["customer.id"] = reward.CustomerId,
            ["customer.email"] = customerEmail,
            ["reward.id"] = reward.RewardId,
            ["reward.type"] = Snake(reward.Type.ToString()),
            ["reward.amount"] = reward.Amount is { } amount && reward.Currency is { } currency ? MajorUnits(amount, currency) : null,
            ["reward.currency"] = reward.Currency,
            ["reward.percent"] = reward.Percent?.ToString(CultureInfo.InvariantCulture),
            ["reward.uses"] = reward.Uses?.ToString(CultureInfo.InvariantCulture),
            ["reward.sku"] = reward.Sku,
            ["reward.expiresAt"] = reward.ExpiresAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["rule.name"] = rule.Name,
        };
        return new Message(MessageTemplate.Render(template.Subject, values), MessageTemplate.Render(template.Body, values));
    }

    /// <summary>An amount in minor units as a decimal in major units: 1050 eur is "10.50", 500 jpy is "500".</summary>
    public static string MajorUnits(long minor, string currency) =>
        ZeroDecimal.Contains(currency)
            ? minor.ToString(CultureInfo.InvariantCulture)
            : (minor / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Snake(string name) => LowerUpper().Replace(name, "$1_$2").ToLowerInvariant();

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex LowerUpper();
}
