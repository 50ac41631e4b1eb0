using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using static WinBack.Domain.Tests.Rules.RuleSpecs;

namespace WinBack.Domain.Tests.Rules;

public sealed class RulePreviewTests
{
    [Fact]
    public void Each_lapsed_customer_is_counted_once_under_the_first_reason_that_stops_them()
    {
        var rule = Definition(eligibility: Eligibility.Everyone with { MinOrderCount = 1 },
            limits: new Limits(null, null, MaxRewardsPerCustomer: 1, CooldownDays: 30));
        var customers = new[]
        {
            Customer("fresh", Now.AddDays(-5), orders: 1),                                  // not lapsed
            Customer("none", Now.AddDays(-100)),                                            // no orders
            Customer("cool", Now.AddDays(-100), orders: 1) with { LastRewardedAt = Now.AddDays(-10) },
            Customer("capped", Now.AddDays(-100), orders: 1) with { RewardsByRule = new Dictionary<string, int> { ["rule_1"] = 1 } },
            Customer("open", Now.AddDays(-100), orders: 1) with { Status = CustomerStatus.Lapsed },
            Customer("ok", Now.AddDays(-100), orders: 1),
        };

        var preview = RulePreview.Run("ten_1", "rule_1", rule, customers, [], Now);

        (preview.Lapsed, preview.Eligible, preview.Rewarded, preview.Holdout).ShouldBe((4, 3, 1, 0));
        preview.Excluded.ShouldBe(new PreviewExclusions(0, 0, 1, 0, 0, Cooldown: 1, MaxRewardsPerCustomer: 1, Budget: 0));
        preview.Variants.ShouldBe([new ArmPreview(Variant.Default, 3, 1, new Money(1000, "eur"))]);
        preview.Cost.ShouldBe([new Money(1000, "eur")]);
        preview.Budget.ShouldBeNull();
    }

    [Fact]
    public void The_budget_serves_the_earliest_crossings_first()
    {
        var rule = Definition(limits: new Limits(new Money(2500, "eur"), new Money(2000, "eur"), null, null));
        var customers = Enumerable.Range(1, 4).Select(i => Customer($"c{i}", Now.AddDays(-90 - i))).Reverse().ToList();

        var preview = RulePreview.Run("ten_1", "rule_1", rule, customers, [], Now, spent: new Money(0, "eur"));

        (preview.Rewarded, preview.Excluded.Budget).ShouldBe((2, 2));
        preview.Budget.ShouldBe(new BudgetPreview(new Money(2500, "eur"), new Money(2000, "eur"), new Money(0, "eur"),
            new Money(0, "eur"), Needed: new Money(4000, "eur"), RunsOut: true));
    }

    [Fact]
    public void Customers_a_higher_priority_rule_takes_are_not_this_rules()
    {
        var higher = ("rule_0", Definition(priority: 20, days: 30, eligibility: Eligibility.Everyone with { MinOrderCount = 5 }));
        var customers = new[] { Customer("loyal", Now.AddDays(-100), orders: 6), Customer("casual", Now.AddDays(-100), orders: 1) };

        var preview = RulePreview.Run("ten_1", "rule_1", Definition(), customers, [higher], Now);

        (preview.Lapsed, preview.Excluded.HigherPriorityRule, preview.Rewarded).ShouldBe((2, 1, 1));
    }
}
