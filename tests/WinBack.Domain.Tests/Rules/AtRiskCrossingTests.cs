using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Risk;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Tests.Rules;

public sealed class AtRiskCrossingTests
{
    // The CDNOW fit of the paper (alpha in weeks there; any unit works for these checks, read as days here).
    private static readonly BgNbdParameters Model = new(0.2426, 4.4136, 0.7929, 2.4259);
    private static readonly TriggerContext WithModel = new(Model);
    private static readonly DateTimeOffset First = DateTimeOffset.Parse("2026-01-10T08:00:00Z");
    private static readonly Trigger AtRisk = new(TriggerType.AtRisk, 0, []) { PAliveBelow = 0.3 };

    private static Customer Buyer(int orders, double lastAfterDays) => new()
    {
        Id = "c1", FirstSeenAt = First, FirstPurchaseAt = First, LastActivityAt = First.AddDays(lastAfterDays),
        LastPurchaseAt = First.AddDays(lastAfterDays), RecordedOrderCount = orders,
    };

    private static RuleDefinition Rule() => new("at risk", 10, AtRisk, Eligibility.Everyone,
        new RewardSpec(RewardType.AccountCredit, new Money(500, "eur"), null, null, null, null, 30, RewardGrant.Immediate),
        Limits.None, null, null, RuleDefinition.DefaultAttributionDays);

    [Fact]
    public void The_crossing_is_the_first_purchase_plus_the_closed_form_age_where_p_alive_meets_the_threshold()
    {
        var crossing = RuleAudience.CrossingAt(AtRisk, 0, Buyer(orders: 3, lastAfterDays: 10), WithModel)!.Value;

        var age = (crossing - First).TotalDays;
        age.ShouldBe(BgNbd.AtRiskAge(Model, 2, 10, 0.3)!.Value, 1e-6);
        BgNbd.PAlive(Model, new PurchaseHistory(2, 10, age)).ShouldBe(0.3, 1e-6);
    }

    [Fact]
    public void Nobody_crosses_without_a_model_or_without_a_repeat_purchase()
    {
        RuleAudience.CrossingAt(AtRisk, 0, Buyer(orders: 3, lastAfterDays: 10), TriggerContext.None).ShouldBeNull();
        RuleAudience.CrossingAt(AtRisk, 0, Buyer(orders: 3, lastAfterDays: 10)).ShouldBeNull();
        RuleAudience.CrossingAt(AtRisk, 0, Buyer(orders: 1, lastAfterDays: 0), WithModel).ShouldBeNull();
    }

    [Fact]
    public void The_sweep_opens_an_episode_at_the_exact_crossing_and_not_a_moment_before()
    {
        var customer = Buyer(orders: 3, lastAfterDays: 10);
        var crossing = RuleAudience.CrossingAt(AtRisk, 0, customer, WithModel)!.Value;
        var rule = new ActiveRule("rule_1", 1, Rule(), new BudgetMeter(Limits.None, null, null));

        LapseDecider.Decide(new DetectLapse("ten_1", [rule], "ep_1", "rwd_1", crossing.AddSeconds(-1), WithModel), customer).ShouldBeEmpty();
        LapseDecider.Decide(new DetectLapse("ten_1", [rule], "ep_1", "rwd_1", crossing.AddDays(30)), customer).ShouldBeEmpty();
        var events = LapseDecider.Decide(new DetectLapse("ten_1", [rule], "ep_1", "rwd_1", crossing.AddSeconds(1), WithModel), customer);

        var lapsed = events.OfType<CustomerLapsed>().Single();
        lapsed.LapsedAt.ShouldBe(crossing);
        lapsed.LastActivityAt.ShouldBe(customer.LastPurchaseAt);
        lapsed.ReturnTypes.ShouldBe([ActivityType.Purchase]);
        events.OfType<RewardIssued>().ShouldHaveSingleItem();
    }

    [Fact]
    public void A_new_purchase_moves_the_crossing_to_a_new_fall_after_it()
    {
        var before = RuleAudience.CrossingAt(AtRisk, 0, Buyer(orders: 3, lastAfterDays: 10), WithModel)!.Value;
        var purchasedAt = before.AddDays(5);

        var after = RuleAudience.CrossingAt(AtRisk, 0, Buyer(orders: 4, lastAfterDays: (purchasedAt - First).TotalDays), WithModel)!.Value;

        after.ShouldBeGreaterThan(purchasedAt);
    }

    [Fact]
    public void An_at_risk_rule_waits_for_a_model_and_other_rules_wait_for_nothing()
    {
        TriggerContext.None.WaitingFor(AtRisk).ShouldBe("risk_model");
        WithModel.WaitingFor(AtRisk).ShouldBeNull();
        TriggerContext.None.WaitingFor(new Trigger(TriggerType.Inactivity, 90, [])).ShouldBeNull();
    }
}
