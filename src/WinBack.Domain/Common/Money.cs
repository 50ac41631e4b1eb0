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

    /// <summary>
    /// The largest amount one input may carry, in minor units: 10^12 (ten billion euros in cents). Stripe takes at most
    /// 99,999,999 in one charge in most currencies, but a purchase, a lifetime value or a budget can be larger; 10^12 leaves
    /// room in a 64-bit sum (about 9.2 * 10^18) for more than nine million such values. Every validator uses this bound.
    /// </summary>
    public const long MaxAmount = 1_000_000_000_000;

    /// <summary>The code of a sum that left the 64-bit range (only stored values from before the bound, or millions of maximal ones, get there).</summary>
    public const string AmountOverflow = "amount_overflow";

    /// <summary>Whether an input amount is within 0 to <see cref="MaxAmount"/>.</summary>
    public static bool IsAmount(long amount) => amount is >= 0 and <= MaxAmount;

    /// <summary>a + b in minor units, or a domain error (not an OverflowException) when the sum leaves the 64-bit range.</summary>
    public static long Sum(long a, long b)
    {
        var sum = unchecked(a + b);
        // Overflow: both operands have the same sign and the sum has the other.
        if (((a ^ sum) & (b ^ sum)) < 0)
            throw new DomainRuleViolated(AmountOverflow,
                $"A sum of amounts ({a} + {b} minor units) is past the largest WinBack can hold ({long.MaxValue}).");
        return sum;
    }

    /// <inheritdoc cref="Sum(long, long)"/>
    public static long Sum(IEnumerable<long> amounts) => amounts.Aggregate(0L, Sum);

    public Money Add(Money other)
    {
        EnsureSameCurrency(other);
        return new Money(Sum(Amount, other.Amount), Currency);
    }

    public Money Subtract(Money other)
    {
        EnsureSameCurrency(other);
        return new Money(Sum(Amount, Negate(other.Amount)), Currency);
    }

    /// <summary>-a, or a domain error for the one 64-bit value without a negative.</summary>
    public static long Negate(long a) =>
        a == long.MinValue ? throw new DomainRuleViolated(AmountOverflow, "An amount is outside the range WinBack can hold.") : -a;

    private void EnsureSameCurrency(Money other)
    {
        if (other.Currency != Currency)
            throw new DomainRuleViolated("currency_mismatch", $"Cannot combine {Currency} with {other.Currency}.");
    }

    public override string ToString() => $"{Amount} {Currency}";
}
