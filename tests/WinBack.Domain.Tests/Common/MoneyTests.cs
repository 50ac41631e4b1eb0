using WinBack.Domain.Common;

namespace WinBack.Domain.Tests.Common;

public sealed class MoneyTests
{
    [Fact]
    public void Currency_codes_are_normalised_to_lower_case()
    {
        new Money(1500, "EUR").Currency.ShouldBe("eur");
    }

    [Theory]
    [InlineData("")]
    [InlineData("eu")]
    [InlineData("euro")]
    [InlineData("e1r")]
    public void A_currency_that_is_not_three_letters_is_refused(string currency)
    {
        Should.Throw<DomainRuleViolated>(() => new Money(100, currency)).Code.ShouldBe("invalid_currency");
    }

    [Fact]
    public void Amounts_of_one_currency_add_and_subtract_in_minor_units()
    {
        var balance = new Money(1000, "eur").Add(new Money(250, "eur")).Subtract(new Money(1100, "eur"));

        balance.ShouldBe(new Money(150, "eur"));
    }

    [Fact]
    public void Amounts_of_different_currencies_do_not_mix()
    {
        Should.Throw<DomainRuleViolated>(() => new Money(1, "eur").Add(new Money(1, "usd"))).Code.ShouldBe("currency_mismatch");
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1_000_000_000_000, true)]
    [InlineData(1_000_000_000_001, false)]
    [InlineData(-1, false)]
    [InlineData(long.MaxValue, false)]
    public void An_input_amount_is_bounded_by_ten_to_the_twelfth_minor_units(long amount, bool allowed)
    {
        Money.IsAmount(amount).ShouldBe(allowed);
    }

    [Fact]
    public void A_sum_past_the_64_bit_range_is_a_domain_error_not_an_overflow_exception()
    {
        Money.Sum(long.MaxValue - 1, 1).ShouldBe(long.MaxValue);
        Money.Sum([Money.MaxAmount, Money.MaxAmount, -5]).ShouldBe(2 * Money.MaxAmount - 5);

        Should.Throw<DomainRuleViolated>(() => Money.Sum(long.MaxValue, 1)).Code.ShouldBe(Money.AmountOverflow);
        Should.Throw<DomainRuleViolated>(() => Money.Sum(long.MinValue, -1)).Code.ShouldBe(Money.AmountOverflow);
        Should.Throw<DomainRuleViolated>(() => new Money(long.MaxValue, "eur").Add(new Money(1, "eur"))).Code.ShouldBe(Money.AmountOverflow);
        Should.Throw<DomainRuleViolated>(() => new Money(0, "eur").Subtract(new Money(long.MinValue, "eur"))).Code.ShouldBe(Money.AmountOverflow);
    }
}
