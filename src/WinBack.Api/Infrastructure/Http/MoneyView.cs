namespace WinBack.Api.Infrastructure.Http;

/// <summary>An amount in minor units of a currency.</summary>
public sealed record MoneyView(long Amount, string Currency)
{
    /// <summary>The view of an amount of the domain; null for none.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(money))]
    public static MoneyView? Of(WinBack.Domain.Common.Money? money) => money is null ? null : new MoneyView(money.Amount, money.Currency);

    /// <summary>Amounts per currency as a list, in currency order.</summary>
    public static IReadOnlyList<MoneyView> ListOf(IReadOnlyDictionary<string, long> amounts) =>
        amounts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new MoneyView(kv.Value, kv.Key)).ToList();
}
