using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Domain.Tests.Customers;

public sealed class CustomerEvolveTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z");

    private static ActivityRecorded Activity(ActivityType type, int day, long? amount = null, ChurnReason? reason = null) =>
        new("cus_1", $"act_{day}_{type}", type, T0.AddDays(day), T0.AddDays(day), amount is { } a ? new Money(a, "eur") : null,
            reason, null, null, null);

    private static Customer Given(params object[] events) => events.Aggregate((Customer?)null, Customer.Evolve)!;

    [Fact]
    public void Purchases_count_orders_and_add_lifetime_value_and_refunds_subtract_it()
    {
        var customer = Given(
            Activity(ActivityType.Purchase, 1, 5000),
            Activity(ActivityType.Purchase, 3, 2500),
            Activity(ActivityType.Refund, 4, 1000));

        customer.OrderCount.ShouldBe(2);
        customer.LifetimeValue.ShouldBe(new Dictionary<string, long> { ["eur"] = 6500 });
        customer.FirstSeenAt.ShouldBe(T0.AddDays(1));
        customer.LastPurchaseAt.ShouldBe(T0.AddDays(3));
        customer.LastActivityAt.ShouldBe(T0.AddDays(4));
    }

    [Fact]
    public void A_lifetime_value_that_would_leave_the_64_bit_range_is_a_domain_error()
    {
        // Values this large only exist if stored before amounts were bounded; the next purchase is refused, not an OverflowException.
        var customer = Given(Activity(ActivityType.Purchase, 1, long.MaxValue - 10));

        Should.Throw<DomainRuleViolated>(() => Customer.Evolve(customer, Activity(ActivityType.Purchase, 2, 11))).Code.ShouldBe(Money.AmountOverflow);
        Customer.Evolve(customer, Activity(ActivityType.Purchase, 2, 10)).LifetimeValue["eur"].ShouldBe(long.MaxValue);
    }

    [Fact]
    public void A_cancellation_sets_the_status_and_churn_reason_and_a_later_subscription_reactivates()
    {
        var cancelled = Given(Activity(ActivityType.Login, 1), Activity(ActivityType.SubscriptionCancelled, 2, reason: ChurnReason.TooExpensive));
        cancelled.Status.ShouldBe(CustomerStatus.Cancelled);
        cancelled.ChurnReason.ShouldBe(ChurnReason.TooExpensive);

        Customer.Evolve(cancelled, Activity(ActivityType.SubscriptionStarted, 5)).Status.ShouldBe(CustomerStatus.Active);
    }

    [Fact]
    public void Activities_arriving_out_of_order_keep_the_latest_times_and_status()
    {
        var customer = Given(
            Activity(ActivityType.SubscriptionCancelled, 10, reason: ChurnReason.Switched),
            Activity(ActivityType.Purchase, 2, 100),
            Activity(ActivityType.Login, 5));

        customer.Status.ShouldBe(CustomerStatus.Cancelled, "the purchase on day 2 happened before the cancellation on day 10");
        customer.FirstSeenAt.ShouldBe(T0.AddDays(2));
        customer.LastActivityAt.ShouldBe(T0.AddDays(10));
        customer.LastActivityByType[ActivityType.Login].ShouldBe(T0.AddDays(5));
    }

    [Fact]
    public void A_profile_update_replaces_contact_data_and_attributes()
    {
        var customer = Given(
            Activity(ActivityType.Login, 1),
            new ProfileUpdated("cus_1", "a@example.com", "cus_stripe_1", new Dictionary<string, string> { ["channel"] = "web" }, T0.AddDays(2)),
            new ProfileUpdated("cus_1", "b@example.com", null, new Dictionary<string, string> { ["segment"] = "vip" }, T0.AddDays(3)));

        customer.Email.ShouldBe("b@example.com");
        customer.StripeCustomerId.ShouldBeNull();
        customer.Attributes.ShouldBe(new Dictionary<string, string> { ["segment"] = "vip" });
        customer.LastActivityAt.ShouldBe(T0.AddDays(1), "a profile update is not an activity");
    }

    [Fact]
    public void Importing_the_same_history_again_replaces_it_instead_of_doubling_it()
    {
        var imported = new CustomerImported("cus_1", "imp_1", null, null, new Dictionary<string, string>(), T0, T0.AddDays(30), T0.AddDays(20),
            7, new Money(70000, "eur"), T0.AddDays(40));

        var customer = Given(imported, Activity(ActivityType.Purchase, 50, 1000), imported with { ImportId = "imp_2" });

        customer.OrderCount.ShouldBe(8);
        customer.LifetimeValue["eur"].ShouldBe(71000);
        customer.Imported!.ImportId.ShouldBe("imp_2");
    }

    [Fact]
    public void An_import_sets_the_baseline_that_later_activity_builds_on()
    {
        var customer = Given(
            new CustomerImported("cus_1", "imp_1", "a@example.com", null, new Dictionary<string, string>(), T0, T0.AddDays(30), T0.AddDays(20),
                7, new Money(70000, "eur"), T0.AddDays(40)),
            Activity(ActivityType.Purchase, 50, 1000));

        customer.OrderCount.ShouldBe(8);
        customer.LifetimeValue["eur"].ShouldBe(71000);
        customer.FirstSeenAt.ShouldBe(T0);
        customer.LastPurchaseAt.ShouldBe(T0.AddDays(50));
    }
}
