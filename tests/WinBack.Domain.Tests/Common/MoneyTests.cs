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
}
