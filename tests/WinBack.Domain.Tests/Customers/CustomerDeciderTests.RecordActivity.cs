using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Domain.Tests.Customers;

public sealed partial class CustomerDeciderTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    private static RecordActivity Record(ActivityType type, DateTimeOffset? occurredAt = null, Money? amount = null,
        ChurnReason? reason = null, string? name = null) =>
        new("cus_1", "act_1", type, occurredAt, amount, reason, name, null, "ext-1", Now);

    [Fact]
    public void An_activity_without_a_time_happened_now()
    {
        var recorded = CustomerDecider.Decide(Record(ActivityType.Login));

        recorded.ShouldBe(new NonRevenueActivityRecorded("cus_1", "act_1", ActivityType.Login, Now, Now, null, null, null, null, "ext-1"));
    }

    [Theory]
    [InlineData(ActivityType.Purchase, true)]
    [InlineData(ActivityType.Refund, true)]
    [InlineData(ActivityType.Login, false)]
    [InlineData(ActivityType.SubscriptionStarted, false)]
    [InlineData(ActivityType.SubscriptionCancelled, false)]
    [InlineData(ActivityType.PaymentFailed, false)]
    [InlineData(ActivityType.Custom, false)]
    public void Purchases_and_refunds_are_stored_as_activities_and_every_other_activity_as_a_type_of_its_own(ActivityType type, bool revenue)
    {
        var recorded = CustomerDecider.Decide(Record(type, amount: revenue ? new Money(100, "eur") : null,
            name: type == ActivityType.Custom ? "webinar" : null));

        recorded.GetType().ShouldBe(revenue ? typeof(ActivityRecorded) : typeof(NonRevenueActivityRecorded));
        recorded.Type.ShouldBe(type);
    }

    [Fact]
    public void A_past_activity_keeps_its_time_and_up_to_five_minutes_ahead_is_tolerated()
    {
        CustomerDecider.Decide(Record(ActivityType.Login, Now.AddDays(-400))).OccurredAt.ShouldBe(Now.AddDays(-400));
        CustomerDecider.Decide(Record(ActivityType.Login, Now.AddMinutes(5))).OccurredAt.ShouldBe(Now.AddMinutes(5));
    }

    [Fact]
    public void An_amount_past_the_bound_is_refused_by_every_path_not_only_the_validators()
    {
        CustomerDecider.Decide(Record(ActivityType.Purchase, amount: new Money(Money.MaxAmount, "eur"))).Amount!.Amount.ShouldBe(Money.MaxAmount);

        Should.Throw<DomainRuleViolated>(() => CustomerDecider.Decide(Record(ActivityType.Purchase, amount: new Money(Money.MaxAmount + 1, "eur"))))
            .Code.ShouldBe(CustomerDecider.AmountTooLarge);
    }

    [Fact]
    public void An_activity_further_in_the_future_is_refused()
    {
        Should.Throw<DomainRuleViolated>(() => CustomerDecider.Decide(Record(ActivityType.Login, Now.AddMinutes(6))))
            .Code.ShouldBe("occurred_in_future");
    }

    [Theory]
    [InlineData(ActivityType.Purchase, false, "amount_mismatch")]
    [InlineData(ActivityType.Login, true, "amount_mismatch")]
    public void Only_purchases_and_refunds_carry_an_amount(ActivityType type, bool withAmount, string code)
    {
        Should.Throw<DomainRuleViolated>(() => CustomerDecider.Decide(Record(type, amount: withAmount ? new Money(100, "eur") : null)))
            .Code.ShouldBe(code);
    }

    [Fact]
    public void Only_cancellations_carry_a_reason_and_only_custom_activities_a_name()
    {
        Should.Throw<DomainRuleViolated>(() => CustomerDecider.Decide(Record(ActivityType.Login, reason: ChurnReason.Forgot)))
            .Code.ShouldBe("reason_without_cancellation");
        Should.Throw<DomainRuleViolated>(() => CustomerDecider.Decide(Record(ActivityType.Custom)))
            .Code.ShouldBe("custom_name");
        CustomerDecider.Decide(Record(ActivityType.Custom, name: "webinar_attended")).Name.ShouldBe("webinar_attended");
    }
}
