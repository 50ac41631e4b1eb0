using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Domain.Tests.Risk;

public sealed class FirstPurchaseTests
{
    private static readonly DateTimeOffset Day0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z");

    private static ActivityRecorded Purchase(string id, int day) =>
        new("c1", id, ActivityType.Purchase, Day0.AddDays(day), Day0.AddDays(day), new Money(100, "EUR"), null, null, null, null);

    [Fact]
    public void The_first_purchase_is_the_earliest_even_when_purchases_arrive_out_of_order()
    {
        var state = new object[] { Purchase("a1", 10), Purchase("a2", 3), Purchase("a3", 20) }.Aggregate((Customer?)null, Customer.Evolve)!;

        state.FirstPurchaseAt.ShouldBe(Day0.AddDays(3));
        state.LastPurchaseAt.ShouldBe(Day0.AddDays(20));
    }

    [Fact]
    public void An_import_with_orders_dates_the_first_purchase_at_the_customer_since_date()
    {
        var imported = new CustomerImported("c1", "imp_1", null, null, new Dictionary<string, string>(), Day0, Day0.AddDays(30),
            Day0.AddDays(30), 4, new Money(400, "EUR"), Day0.AddDays(40));

        Customer.Evolve(Customer.Evolve(null, Purchase("a1", 50)), imported).FirstPurchaseAt.ShouldBe(Day0);
        Customer.Evolve(null, imported with { OrderCount = 0, LastPurchaseAt = null }).FirstPurchaseAt.ShouldBeNull();
    }
}
