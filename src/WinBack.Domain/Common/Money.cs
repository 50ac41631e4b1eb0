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
            throw new DomainRuleViolated("invalid_currency", $"'{currency}' is not a three-letter ISO 4217 currency code.");
        Amount = amount;
        Currency = currency.ToLowerInvariant();
    }

    public static bool IsCurrencyCode(string? code) =>
        code is { Length: 3 } && code.All(char.IsAsciiLetter);

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
