using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Tests.Customers;

/// <summary>The engine's decision for moment rules: once per moment, with the guard rails, beside win-back rules, with its outcome.</summary>
public sealed class MomentDeciderTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-03-01T09:00:00Z");
    private const string Tenant = "ten_1";

    private static RuleDefinition Rule(Trigger trigger, Eligibility? eligibility = null, Experiment? experiment = null, Limits? limits = null) =>
        new("moment", 0, trigger, eligibility ?? Eligibility.Everyone,
            new RewardSpec(RewardType.AccountCredit, new Money(500, "eur"), null, null, null, null, 30, RewardGrant.Immediate),
            limits ?? Limits.None, experiment, null, 30);

    private static ActiveRule Active(RuleDefinition definition, string id = "rule_m", DateTimeOffset? since = null) =>
        new(id, 1, definition, new BudgetMeter(definition.Limits, null, null), since ?? T0.AddDays(-1));

    private static ActivityRecorded Purchase(DateTimeOffset at, string customer = "c1") =>
        new(customer, $"act_{at.ToUnixTimeSeconds()}", ActivityType.Purchase, at, at, new Money(1000, "eur"), null, null, null, null);

    private static Customer Given(params ICustomerEvent[] events) => events.Aggregate((Customer?)null, (s, e) => Customer.Evolve(s, e))!;

    private static Customer Then(Customer state, IEnumerable<ICustomerEvent> events) => events.Aggregate(state, Customer.Evolve);

    private static IReadOnlyList<ICustomerEvent> When(Customer customer, DateTimeOffset now, params ActiveRule[] rules) =>
        LapseDecider.Decide(new DetectLapse(Tenant, rules, "lap_1", "rwd_1", now), customer);

    private static readonly Trigger ThirdOrder = new(TriggerType.NthPurchase, 0, []) { Count = 3 };

    [Fact]
    public void The_moment_fires_at_its_own_time_with_the_reward_and_leaves_the_status_alone()
    {
        var customer = Given(Purchase(T0), Purchase(T0.AddDays(1)), Purchase(T0.AddDays(2)));

        var events = When(customer, T0.AddDays(5), Active(Rule(ThirdOrder)));

        var reached = events[0].ShouldBeOfType<MomentReached>();
        reached.ReachedAt.ShouldBe(T0.AddDays(2));
        reached.Key.ShouldBe("nth_purchase:3");
        events[1].ShouldBeOfType<RewardIssued>().EpisodeId.ShouldBe("lap_1");
        var after = Then(customer, events);
        after.Status.ShouldBe(CustomerStatus.Active);
        after.Episode.ShouldBeNull();
        after.Balance["eur"].ShouldBe(500);
    }

    [Fact]
    public void A_moment_fires_once_however_often_it_is_decided_again()
    {
        var customer = Given(Purchase(T0), Purchase(T0.AddDays(1)), Purchase(T0.AddDays(2)));
        var rule = Active(Rule(ThirdOrder));
        var after = Then(customer, When(customer, T0.AddDays(5), rule));

        When(after, T0.AddDays(6), rule).ShouldBeEmpty();
        When(Then(after, [Purchase(T0.AddDays(7))]), T0.AddDays(8), rule).ShouldBeEmpty();
    }

    [Fact]
    public void A_moment_not_yet_come_does_not_fire()
    {
        var customer = Given(Purchase(T0), Purchase(T0.AddDays(1)));

        When(customer, T0.AddDays(5), Active(Rule(ThirdOrder))).ShouldBeEmpty();
    }

    [Fact]
    public void An_ineligible_or_held_out_customer_reaches_the_moment_with_the_reward_withheld()
    {
        var customer = Given(Purchase(T0), Purchase(T0.AddDays(1)), Purchase(T0.AddDays(2)));
        var vip = new Eligibility(null, null, null, [], new Dictionary<string, string> { ["segment"] = "vip" });

        When(customer, T0.AddDays(5), Active(Rule(ThirdOrder, vip)))[1].ShouldBeOfType<RewardWithheld>().Reason.ShouldBe(WithheldReason.Ineligible);
        var allHeldOut = Rule(ThirdOrder, experiment: new Experiment(100, []));
        When(customer, T0.AddDays(5), Active(allHeldOut))[0].ShouldBeOfType<MomentReached>().Variant.ShouldBe(Variant.Holdout);
    }

    [Fact]
    public void A_lapse_goes_first_and_the_moment_comes_at_the_next_decision_even_in_the_episode()
    {
        var customer = Given(Purchase(T0), Purchase(T0.AddDays(1)), Purchase(T0.AddDays(2)));
        var winBack = new ActiveRule("rule_w", 1, Rule(new Trigger(TriggerType.Inactivity, 30, [])) with { Priority = 10 },
            new BudgetMeter(Limits.None, null, null));
        var moment = Active(Rule(ThirdOrder));

        var first = When(customer, T0.AddDays(40), winBack, moment);
        first[0].ShouldBeOfType<CustomerLapsed>();
        var lapsed = Then(customer, first);

        When(lapsed, T0.AddDays(40), winBack, moment)[0].ShouldBeOfType<MomentReached>();
    }

    [Fact]
    public void The_outcome_is_the_first_purchase_within_the_attribution_window_after_the_moment()
    {
        var customer = Given(Purchase(T0), Purchase(T0.AddDays(1)), Purchase(T0.AddDays(2)));
        var reached = Then(customer, When(customer, T0.AddDays(3), Active(Rule(ThirdOrder))));

        var bought = Then(reached, [Purchase(T0.AddDays(10)), Purchase(T0.AddDays(11))]);

        var episode = bought.Episodes.ShouldHaveSingleItem();
        episode.IsMoment.ShouldBeTrue();
        episode.ReturnedAt.ShouldBe(T0.AddDays(10));
        episode.OrdersAfterReturn.ShouldBe(2);
        bought.WithoutHistory().AttributionEndsAt.ShouldBe(T0.AddDays(40));
        Then(reached, [Purchase(T0.AddDays(40))]).Episodes.Single().ReturnedAt.ShouldBeNull(); // 30 days after the moment: too late
    }

    [Fact]
    public void The_per_customer_cap_and_the_cooldown_hold_for_moments()
    {
        var customer = Given(Purchase(T0), Purchase(T0.AddDays(1)), Purchase(T0.AddDays(2)));
        var welcome = Active(Rule(new Trigger(TriggerType.Welcome, 0, []), limits: new Limits(null, null, null, 30)), "rule_w", T0.AddDays(-1));
        var afterWelcome = Then(customer, When(customer, T0.AddDays(2), welcome));

        When(afterWelcome, T0.AddDays(3), Active(Rule(ThirdOrder, limits: new Limits(null, null, null, 30))))[1]
            .ShouldBeOfType<RewardWithheld>().Reason.ShouldBe(WithheldReason.Cooldown);
    }
}
