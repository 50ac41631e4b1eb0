using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using static WinBack.Domain.Tests.Rules.RuleSpecs;

namespace WinBack.Domain.Tests.Rules;

public sealed class RuleAudienceTests
{
    private static readonly Trigger Inactivity = new(TriggerType.Inactivity, 90, []);

    [Fact]
    public void The_lapse_time_is_the_crossing_moment_not_the_time_of_asking()
    {
        var customer = Customer("c1", Now.AddDays(-100));

        RuleAudience.CrossingAt(Inactivity, 90, customer).ShouldBe(Now.AddDays(-10));
        RuleAudience.HasLapsed(Inactivity, 90, customer, Now).ShouldBeTrue();
        RuleAudience.HasLapsed(Inactivity, 101, customer, Now).ShouldBeFalse();
    }

    [Fact]
    public void Inactivity_over_some_types_ignores_the_others_and_skips_customers_without_them()
    {
        var purchases = new Trigger(TriggerType.Inactivity, 90, [ActivityType.Purchase]);
        var buyerWhoStillLogsIn = Customer("c1", Now.AddDays(-100), orders: 1) with
        {
            LastActivityAt = Now.AddDays(-1),
            LastActivityByType = new Dictionary<ActivityType, DateTimeOffset> { [ActivityType.Login] = Now.AddDays(-1) },
        };

        RuleAudience.CrossingAt(purchases, 90, buyerWhoStillLogsIn).ShouldBe(Now.AddDays(-10));
        RuleAudience.CrossingAt(purchases, 90, Customer("c2", Now.AddDays(-200))).ShouldBeNull();
    }

    [Fact]
    public void Cancellation_counts_from_the_cancellation_of_cancelled_customers_only()
    {
        var cancellation = new Trigger(TriggerType.Cancellation, 7, []);
        var cancelled = Customer("c1", Now) with { Status = CustomerStatus.Cancelled, StatusChangedAt = Now.AddDays(-8) };

        RuleAudience.CrossingAt(cancellation, 7, cancelled).ShouldBe(Now.AddDays(-1));
        RuleAudience.CrossingAt(cancellation, 7, Customer("c2", Now.AddDays(-300))).ShouldBeNull();
    }

    [Fact]
    public void Never_purchased_counts_from_first_sight_of_customers_without_orders()
    {
        var never = new Trigger(TriggerType.NeverPurchased, 14, []);
        var browser = Customer("c1", Now.AddDays(-1));

        RuleAudience.CrossingAt(never, 14, browser).ShouldBe(browser.FirstSeenAt.AddDays(14));
        RuleAudience.CrossingAt(never, 14, Customer("c2", Now.AddDays(-100), orders: 1)).ShouldBeNull();
    }

    [Fact]
    public void The_first_failing_filter_is_the_reason()
    {
        var eligibility = new Eligibility(new Money(5000, "eur"), null, 2, [ChurnReason.TooExpensive],
            new Dictionary<string, string> { ["channel"] = "web" });
        var loyal = Customer("c1", Now, orders: 3, value: 9000, attributes: new Dictionary<string, string> { ["channel"] = "web" })
            with { ChurnReason = ChurnReason.TooExpensive };

        RuleAudience.Check(eligibility, loyal, Now).ShouldBeNull();
        RuleAudience.Check(eligibility, loyal with { RecordedLifetimeValue = new Dictionary<string, long> { ["usd"] = 9000 } }, Now)
            .ShouldBe(Ineligibility.LifetimeValue);
        RuleAudience.Check(eligibility, loyal with { RecordedOrderCount = 1 }, Now).ShouldBe(Ineligibility.OrderCount);
        RuleAudience.Check(eligibility, loyal with { ChurnReason = null }, Now).ShouldBe(Ineligibility.ChurnReason);
        RuleAudience.Check(eligibility, loyal with { Attributes = new Dictionary<string, string>() }, Now).ShouldBe(Ineligibility.Attributes);
        RuleAudience.Check(eligibility with { MinLifetimeValue = null, MaxLifetimeValue = new Money(100, "eur") }, loyal, Now)
            .ShouldBe(Ineligibility.LifetimeValue);
        // The customer's age: first seen at least minCustomerDays before the decision.
        RuleAudience.Check(eligibility with { MinCustomerDays = 30 }, loyal with { FirstSeenAt = Now.AddDays(-29) }, Now).ShouldBe(Ineligibility.CustomerAge);
        RuleAudience.Check(eligibility with { MinCustomerDays = 30 }, loyal with { FirstSeenAt = Now.AddDays(-30) }, Now).ShouldBeNull();
    }

    [Fact]
    public void Assignment_is_sticky_and_follows_the_weights()
    {
        var rule = Definition(experiment: new Experiment(10, [new Variant("A", 30, null, null, null), new Variant("B", 70, null, null, null)]));

        var arms = Enumerable.Range(0, 20_000).Select(i => ExperimentAssignment.Assign("ten_1", "rule_1", $"c{i}", rule)).ToList();

        arms.Count(a => a == Variant.Holdout).ShouldBeInRange(1_800, 2_200);
        arms.Count(a => a == "A").ShouldBeInRange(5_000, 5_800);
        arms.Count(a => a == "B").ShouldBeInRange(12_200, 13_000);
        ExperimentAssignment.Assign("ten_1", "rule_1", "c42", rule).ShouldBe(arms[42]);
        Enumerable.Range(0, 200).Select(i => ExperimentAssignment.Assign("ten_2", "rule_1", $"c{i}", rule))
            .ShouldNotBe(arms.Take(200), "another tenant's customers are assigned independently");
    }

    [Fact]
    public void Without_an_experiment_everyone_is_in_the_default_arm()
    {
        ExperimentAssignment.Assign("ten_1", "rule_1", "c1", Definition()).ShouldBe(Variant.Default);
    }

    [Fact]
    public void Same_priority_rules_overlap_unless_their_audiences_cannot_meet()
    {
        RuleOverlap.Overlaps(Definition(priority: 10), Definition(priority: 10)).ShouldBeTrue();
        RuleOverlap.Overlaps(Definition(priority: 10), Definition(priority: 11)).ShouldBeFalse();

        var web = Eligibility.Everyone with { Attributes = new Dictionary<string, string> { ["channel"] = "web" } };
        var app = Eligibility.Everyone with { Attributes = new Dictionary<string, string> { ["channel"] = "app" } };
        RuleOverlap.Overlaps(Definition(eligibility: web), Definition(eligibility: app)).ShouldBeFalse();

        var price = Eligibility.Everyone with { ChurnReasons = [ChurnReason.TooExpensive] };
        var features = Eligibility.Everyone with { ChurnReasons = [ChurnReason.MissingFeatures, ChurnReason.TooExpensive] };
        RuleOverlap.Overlaps(Definition(eligibility: price), Definition(eligibility: features)).ShouldBeTrue();
        RuleOverlap.Overlaps(Definition(eligibility: price), Definition(eligibility: features with { ChurnReasons = [ChurnReason.MissingFeatures] }))
            .ShouldBeFalse();

        var small = Eligibility.Everyone with { MaxLifetimeValue = new Money(999, "eur") };
        var big = Eligibility.Everyone with { MinLifetimeValue = new Money(1000, "eur") };
        RuleOverlap.Overlaps(Definition(eligibility: small), Definition(eligibility: big)).ShouldBeFalse();

        RuleOverlap.Overlaps(Definition(trigger: TriggerType.NeverPurchased), Definition(types: [ActivityType.Purchase])).ShouldBeFalse();
    }
}
