namespace WinBack.Domain.Common;

/// <summary>An amount in integer minor units of an ISO 4217 currency; never floating point.</summary>
public sealed record Money
{
    public long Amount { get; }
    public string Currency { get; }

    // One public constructor, so serializers rebuild Money through it and its checks.
    public Money(long amount, string currency)
    {
        if (!IsCurrencyCode(currency))
            throw new DomainRuleViolated("invalid_currency", $"'{currency}' is not an ISO 4217 currency code in circulation.");
        Amount = amount;
        Currency = currency.ToLowerInvariant();
    }

    /// <summary>The one currency check of the product: a code of a currency in circulation.</summary>
    public static bool IsCurrencyCode(string? code) => Currencies.IsIsoCode(code);

    /// <summary>The message every validator gives for a bad currency.</summary>
    public const string CurrencyRule = "must be an ISO 4217 currency code in circulation, such as \"eur\" or \"usd\".";

    public Money Add(Money other)
    {
        EnsureSameCurrency(other);
        return new Money(checked(Amount + other.Amount), Currency);
    }

    public Money Subtract(Money other)
    {
        EnsureSameCurrency(other);
        return new Money(checked(Amount - other.Amount), Currency);
    }

    private void EnsureSameCurrency(Money other)
    {
        if (other.Currency != Currency)
            throw new DomainRuleViolated("currency_mismatch", $"Cannot combine {Currency} with {other.Currency}.");
    }

    public override string ToString() => $"{Amount} {Currency}";
}
