using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Tests.Customers;

public sealed class LapseDeciderTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-24T09:00:00Z");
    private const string Tenant = "ten_1";

    private static readonly IReadOnlyList<ActivityType> AnyReturn =
        [ActivityType.Purchase, ActivityType.Login, ActivityType.SubscriptionStarted, ActivityType.Custom];

    private static RewardSpec Credit(long amount = 1000, RewardGrant grant = RewardGrant.Immediate, int expiresInDays = 30) =>
        new(RewardType.AccountCredit, new Money(amount, "eur"), null, null, null, null, expiresInDays, grant);

    private static RewardSpec Discount(int percent = 20) =>
        new(RewardType.PercentDiscount, null, percent, 1, null, null, 14, RewardGrant.Immediate);

    private static RuleDefinition Rule(int days = 90, Eligibility? eligibility = null, Limits? limits = null, Experiment? experiment = null,
        RewardSpec? reward = null, TriggerType trigger = TriggerType.Inactivity, IReadOnlyList<ActivityType>? types = null, int priority = 10) =>
        new($"{days}-day win-back", priority, new Trigger(trigger, days, types ?? []), eligibility ?? Eligibility.Everyone,
            reward ?? Credit(), limits ?? Limits.None, experiment, null, RuleDefinition.DefaultAttributionDays);

    private static ActiveRule Active(RuleDefinition definition, string id = "rule_1", int version = 1, long spent = 0, long spentToday = 0) =>
        new(id, version, definition, new BudgetMeter(definition.Limits, new Money(spent, "eur"), new Money(spentToday, "eur")));

    private static DetectLapse Detect(params ActiveRule[] rules) => new(Tenant, rules, "ep_1", "rwd_1", Now);

    private static ActivityRecorded Did(ActivityType type, DateTimeOffset at, string customer = "c1", long? amount = null,
        ChurnReason? reason = null) =>
        new(customer, $"act_{type}_{at.ToUnixTimeSeconds()}", type, at, at, amount is { } a ? new Money(a, "eur") : null, reason, null, null, null);

    private static ActivityRecorded Purchase(DateTimeOffset at, string customer = "c1") => Did(ActivityType.Purchase, at, customer, 5000);

    private static Customer Given(params ICustomerEvent[] events) =>
        events.Aggregate((Customer?)null, (state, e) => Customer.Evolve(state, e))!;

    private static Customer Then(Customer state, IEnumerable<ICustomerEvent> events) =>
        events.Aggregate(state, (s, e) => Customer.Evolve(s, e));

    private static IReadOnlyList<ICustomerEvent> When(DetectLapse command, Customer customer) => LapseDecider.Decide(command, customer);

    /// <summary>The first of c0..c199 the experiment puts in <paramref name="variant"/>.</summary>
    private static string AssignedTo(string variant, RuleDefinition definition, string ruleId = "rule_1") =>
        Enumerable.Range(0, 200).Select(i => $"c{i}")
            .First(id => ExperimentAssignment.Assign(Tenant, ruleId, id, definition) == variant);

    /// <summary>A customer who got a reward of <paramref name="ruleId"/> some days ago, came back the day after, and went quiet again.</summary>
    private static Customer RewardedAndReturned(int rewardDaysAgo, string ruleId = "rule_1")
    {
        var rewardedAt = Now.AddDays(-rewardDaysAgo);
        var back = Purchase(rewardedAt.AddDays(1));
        return Given(
            Purchase(rewardedAt.AddDays(-100)),
            new CustomerLapsed("c1", "ep_0", ruleId, 1, Variant.Default, rewardedAt.AddDays(-100), rewardedAt.AddDays(-10), rewardedAt,
                AnyReturn, null, new Dictionary<string, string>()),
            new RewardIssued("c1", "rwd_0", "ep_0", ruleId, 1, Variant.Default, RewardType.AccountCredit, 1000, "eur", null, null, null, null,
                rewardedAt, rewardedAt.AddDays(30), RewardGrant.Immediate, null),
            back,
            new CustomerReactivated("c1", "ep_0", back.ActivityId, back.OccurredAt));
    }

    private static WithheldReason? WithheldOf(IReadOnlyList<ICustomerEvent> events) => events.OfType<RewardWithheld>().SingleOrDefault()?.Reason;

    // 1
    [Fact]
    public void An_inactive_customer_lapses_at_the_crossing_moment_and_gets_the_rules_reward()
    {
        var customer = Given(Purchase(Now.AddDays(-100)));

        var events = When(Detect(Active(Rule(days: 90, reward: Credit(1000, expiresInDays: 30)), version: 3)), customer);

        events.Count.ShouldBe(2);
        var lapsed = events[0].ShouldBeOfType<CustomerLapsed>();
        (lapsed.CustomerId, lapsed.EpisodeId, lapsed.RuleId, lapsed.RuleVersion, lapsed.Variant)
            .ShouldBe(("c1", "ep_1", "rule_1", 3, Variant.Default));
        lapsed.LastActivityAt.ShouldBe(Now.AddDays(-100));
        lapsed.LapsedAt.ShouldBe(Now.AddDays(-10));
        lapsed.DetectedAt.ShouldBe(Now);
        lapsed.ReturnTypes.ShouldBe(AnyReturn);
        lapsed.ChurnReason.ShouldBeNull();
        events[1].ShouldBe(new RewardIssued("c1", "rwd_1", "ep_1", "rule_1", 3, Variant.Default, RewardType.AccountCredit, 1000, "eur",
            null, null, null, null, Now, Now.AddDays(30), RewardGrant.Immediate, null, new LapseWindow(90, WindowSource.Rule)));

        customer = Then(customer, events);
        (customer.Status, customer.StatusChangedAt).ShouldBe((CustomerStatus.Lapsed, Now.AddDays(-10)));
        customer.Episode!.EpisodeId.ShouldBe("ep_1");
        customer.Balance.ShouldBe(new Dictionary<string, long> { ["eur"] = 1000 });
        customer.Reward("rwd_1")!.Status.ShouldBe(RewardStatus.Available);
    }

    // 2
    [Fact]
    public void A_customer_not_yet_past_the_window_gets_no_events()
    {
        var rule = Active(Rule(days: 90));

        When(Detect(rule), Given(Purchase(Now.AddDays(-89)))).ShouldBeEmpty();
        When(Detect(rule), Given(Purchase(Now.AddDays(-90).AddTicks(1)))).ShouldBeEmpty();
        When(Detect(rule), Given(Purchase(Now.AddDays(-90)))).OfType<CustomerLapsed>().Single().LapsedAt.ShouldBe(Now);
    }

    [Fact]
    public void A_customer_in_an_open_episode_gets_no_new_one()
    {
        var customer = Given(Purchase(Now.AddDays(-300)),
            new CustomerLapsed("c1", "ep_0", "rule_0", 1, Variant.Default, Now.AddDays(-300), Now.AddDays(-210), Now.AddDays(-200),
                AnyReturn, null, new Dictionary<string, string>()));

        customer.Episode.ShouldNotBeNull();
        When(Detect(Active(Rule(days: 90))), customer).ShouldBeEmpty();
        When(Detect(Active(Rule(days: 90))), customer with { Episode = null }).OfType<CustomerLapsed>().Count().ShouldBe(1);
    }

    // 3
    [Fact]
    public void The_first_eligible_rule_in_priority_order_wins_over_a_higher_ineligible_one()
    {
        var customer = Given(Purchase(Now.AddDays(-100)));
        var loyalOnly = Active(Rule(days: 30, priority: 30, eligibility: Eligibility.Everyone with { MinOrderCount = 5 }), id: "rule_loyal");
        var everyone = Active(Rule(days: 60, priority: 20, reward: Credit(700)), id: "rule_everyone");
        var later = Active(Rule(days: 90, priority: 10, reward: Credit(300)), id: "rule_later");

        var events = When(Detect(loyalOnly, everyone, later), customer);

        var lapsed = events[0].ShouldBeOfType<CustomerLapsed>();
        (lapsed.RuleId, lapsed.LapsedAt).ShouldBe(("rule_everyone", Now.AddDays(-40)));
        var issued = events[1].ShouldBeOfType<RewardIssued>();
        (issued.RuleId, issued.Amount).ShouldBe(("rule_everyone", 700L));
        events.Count.ShouldBe(2);
    }

    [Fact]
    public void When_no_crossed_rule_is_eligible_the_episode_opens_under_the_first_crossed_one_with_the_reward_withheld()
    {
        var customer = Given(Purchase(Now.AddDays(-100)));
        var notCrossed = Active(Rule(days: 200, priority: 40), id: "rule_far");
        var loyalOnly = Active(Rule(days: 30, priority: 30, eligibility: Eligibility.Everyone with { MinOrderCount = 5 }), id: "rule_loyal");
        var bigSpenders = Active(Rule(days: 60, priority: 20,
            eligibility: Eligibility.Everyone with { MinLifetimeValue = new Money(100_000, "eur") }), id: "rule_big");

        var events = When(Detect(notCrossed, loyalOnly, bigSpenders), customer);

        events.Count.ShouldBe(2);
        var lapsed = events[0].ShouldBeOfType<CustomerLapsed>();
        (lapsed.RuleId, lapsed.Variant, lapsed.LapsedAt).ShouldBe(("rule_loyal", Variant.Default, Now.AddDays(-70)));
        events[1].ShouldBe(new RewardWithheld("c1", "ep_1", "rule_loyal", WithheldReason.Ineligible, Now));
    }

    // 4
    [Fact]
    public void A_customer_in_the_holdout_lapses_as_holdout_without_a_reward_and_stays_there()
    {
        var definition = Rule(days: 90, experiment: new Experiment(50, []));
        var held = AssignedTo(Variant.Holdout, definition);
        var treated = AssignedTo(Variant.Default, definition);
        var customer = Given(Purchase(Now.AddDays(-100), held));

        var first = When(Detect(Active(definition)), customer);
        var second = When(Detect(Active(definition)), customer);

        first.Count.ShouldBe(2);
        first[0].ShouldBeOfType<CustomerLapsed>().Variant.ShouldBe(Variant.Holdout);
        first[1].ShouldBe(new RewardWithheld(held, "ep_1", "rule_1", WithheldReason.Holdout, Now));
        first.OfType<RewardIssued>().ShouldBeEmpty();
        second[0].ShouldBeOfType<CustomerLapsed>().Variant.ShouldBe(Variant.Holdout);
        second[1].ShouldBe(first[1]);
        ExperimentAssignment.Assign(Tenant, "rule_1", held, definition).ShouldBe(Variant.Holdout);

        var other = When(Detect(Active(definition)), Given(Purchase(Now.AddDays(-100), treated)));
        other.OfType<RewardIssued>().Single().Variant.ShouldBe(Variant.Default);
    }

    // 5
    [Fact]
    public void A_relapse_within_the_cooldown_of_the_last_rule_reward_is_withheld()
    {
        var customer = RewardedAndReturned(rewardDaysAgo: 10);
        customer.Status.ShouldBe(CustomerStatus.WonBack);

        var events = When(Detect(Active(Rule(days: 5, limits: Limits.None with { CooldownDays = 30 }))), customer);

        events.Count.ShouldBe(2);
        events[0].ShouldBeOfType<CustomerLapsed>().LapsedAt.ShouldBe(Now.AddDays(-4));
        events[1].ShouldBe(new RewardWithheld("c1", "ep_1", "rule_1", WithheldReason.Cooldown, Now));
    }

    [Fact]
    public void A_relapse_after_the_cooldown_gets_the_reward()
    {
        var customer = RewardedAndReturned(rewardDaysAgo: 40);

        var events = When(Detect(Active(Rule(days: 5, limits: Limits.None with { CooldownDays = 30 }))), customer);

        WithheldOf(events).ShouldBeNull();
        events.OfType<RewardIssued>().Single().IssuedAt.ShouldBe(Now);
    }

    // 6
    [Fact]
    public void The_per_customer_cap_counts_the_rules_own_rewards_only()
    {
        var capped = Active(Rule(days: 5, limits: Limits.None with { MaxRewardsPerCustomer = 1 }));

        var again = When(Detect(capped), RewardedAndReturned(rewardDaysAgo: 10, ruleId: "rule_1"));
        var otherRule = When(Detect(capped), RewardedAndReturned(rewardDaysAgo: 10, ruleId: "rule_other"));

        again.Count.ShouldBe(2);
        again[1].ShouldBe(new RewardWithheld("c1", "ep_1", "rule_1", WithheldReason.PerCustomerCap, Now));
        WithheldOf(otherRule).ShouldBeNull();
        otherRule.OfType<RewardIssued>().Single().RuleId.ShouldBe("rule_1");
    }

    // 7
    [Fact]
    public void The_total_budget_is_shared_by_the_sweeps_decisions_for_a_rule()
    {
        var rule = Active(Rule(days: 90, reward: Credit(1000), limits: Limits.None with { TotalBudget = new Money(2500, "eur") }));

        var decisions = new[] { "c1", "c2", "c3" }
            .Select(id => When(Detect(rule), Given(Purchase(Now.AddDays(-100), id))))
            .ToList();

        decisions[0].OfType<RewardIssued>().Single().Amount.ShouldBe(1000);
        decisions[1].OfType<RewardIssued>().Single().Amount.ShouldBe(1000);
        decisions[2].OfType<RewardIssued>().ShouldBeEmpty();
        decisions[2][1].ShouldBe(new RewardWithheld("c3", "ep_1", "rule_1", WithheldReason.Budget, Now));
        rule.Budget.Refused.ShouldBe(1);
    }

    [Fact]
    public void A_daily_budget_already_spent_today_refuses()
    {
        var limits = Limits.None with { DailyBudget = new Money(1000, "eur") };
        var customer = Given(Purchase(Now.AddDays(-100)));

        var spent = When(Detect(Active(Rule(days: 90, limits: limits), spent: 5000, spentToday: 1000)), customer);
        var fresh = When(Detect(Active(Rule(days: 90, limits: limits), spent: 5000, spentToday: 0)), customer);

        WithheldOf(spent).ShouldBe(WithheldReason.Budget);
        fresh.OfType<RewardIssued>().Single().Amount.ShouldBe(1000);
    }

    [Fact]
    public void A_percent_discount_is_never_stopped_by_a_budget()
    {
        var limits = new Limits(new Money(2500, "eur"), new Money(1000, "eur"), null, null);
        var rule = Active(Rule(days: 90, reward: Discount(20), limits: limits), spent: 2500, spentToday: 1000);

        var events = When(Detect(rule), Given(Purchase(Now.AddDays(-100))));

        WithheldOf(events).ShouldBeNull();
        var issued = events.OfType<RewardIssued>().Single();
        (issued.Type, issued.Percent, issued.Uses, issued.Amount, issued.ExpiresAt)
            .ShouldBe((RewardType.PercentDiscount, (int?)20, (int?)1, (long?)null, Now.AddDays(14)));
    }

    // 8
    [Fact]
    public void An_on_return_reward_is_pending_until_the_customer_comes_back()
    {
        var customer = Given(Purchase(Now.AddDays(-100)));
        var events = When(Detect(Active(Rule(days: 90, reward: Credit(1000, RewardGrant.OnReturn)))), customer);
        events.OfType<RewardIssued>().Single().Grant.ShouldBe(RewardGrant.OnReturn);

        customer = Then(customer, events);
        customer.Reward("rwd_1")!.Status.ShouldBe(RewardStatus.Pending);
        customer.Balance.ShouldBeEmpty();

        var purchase = Purchase(Now.AddDays(2));
        customer = Then(customer, [purchase]);
        customer.Status.ShouldBe(CustomerStatus.Lapsed);
        var back = LedgerDecider.Reactivation(customer, purchase);
        back.ShouldBe([new CustomerReactivated("c1", "ep_1", purchase.ActivityId, Now.AddDays(2), ActivityType.Purchase, purchase.Amount)]);

        customer = Then(customer, back);
        customer.Reward("rwd_1")!.Status.ShouldBe(RewardStatus.Available);
        customer.Balance.ShouldBe(new Dictionary<string, long> { ["eur"] = 1000 });
        (customer.Status, customer.Episode).ShouldBe((CustomerStatus.WonBack, null));
    }

    // 9
    [Fact]
    public void Return_types_follow_the_trigger()
    {
        LapseDecider.ReturnTypes(new Trigger(TriggerType.Cancellation, 7, []))
            .ShouldBe([ActivityType.SubscriptionStarted, ActivityType.Purchase]);
        LapseDecider.ReturnTypes(new Trigger(TriggerType.NeverPurchased, 14, [])).ShouldBe([ActivityType.Purchase]);
        LapseDecider.ReturnTypes(new Trigger(TriggerType.Inactivity, 90, [ActivityType.Login])).ShouldBe([ActivityType.Login]);

        var any = LapseDecider.ReturnTypes(new Trigger(TriggerType.Inactivity, 90, []));
        any.ShouldBe(AnyReturn);
        any.ShouldNotContain(ActivityType.Refund);
        any.ShouldNotContain(ActivityType.SubscriptionCancelled);
    }

    [Fact]
    public void A_refund_after_the_lapse_is_not_a_return()
    {
        var customer = Given(Purchase(Now.AddDays(-100)));
        customer = Then(customer, When(Detect(Active(Rule(days: 90))), customer));

        var refund = Did(ActivityType.Refund, Now.AddDays(1), amount: 5000);
        customer = Then(customer, [refund]);
        LedgerDecider.Reactivation(customer, refund).ShouldBeEmpty();

        var login = Did(ActivityType.Login, Now.AddDays(2));
        LedgerDecider.Reactivation(Then(customer, [login]), login)
            .ShouldBe([new CustomerReactivated("c1", "ep_1", login.ActivityId, Now.AddDays(2))]);
    }

    // 10
    [Fact]
    public void A_cancelled_customer_lapses_at_the_cancellation_plus_the_window_with_the_reason_and_attributes()
    {
        var attributes = new Dictionary<string, string> { ["plan"] = "pro", ["country"] = "de" };
        var cancelledAt = Now.AddDays(-20);
        var customer = Given(
            new ProfileUpdated("c1", "c1@example.com", null, attributes, Now.AddDays(-200)),
            Purchase(Now.AddDays(-150)),
            Did(ActivityType.SubscriptionCancelled, cancelledAt, reason: ChurnReason.TooExpensive));

        var events = When(Detect(Active(Rule(days: 14, trigger: TriggerType.Cancellation))), customer);

        var lapsed = events[0].ShouldBeOfType<CustomerLapsed>();
        lapsed.LapsedAt.ShouldBe(cancelledAt.AddDays(14));
        lapsed.LastActivityAt.ShouldBe(cancelledAt);
        lapsed.ChurnReason.ShouldBe(ChurnReason.TooExpensive);
        lapsed.Attributes.ShouldBe(attributes);
        lapsed.ReturnTypes.ShouldBe([ActivityType.SubscriptionStarted, ActivityType.Purchase]);
        events.OfType<RewardIssued>().Single().RuleId.ShouldBe("rule_1");

        When(Detect(Active(Rule(days: 21, trigger: TriggerType.Cancellation))), customer).ShouldBeEmpty();
    }

    // 11
    [Fact]
    public void An_arm_with_a_longer_window_has_not_crossed_when_the_short_arm_has()
    {
        var definition = Rule(days: 30, experiment: new Experiment(0,
        [
            new Variant("short", 1, null, null, null),
            new Variant("long", 1, null, 60, null),
        ]));
        var shortArm = AssignedTo("short", definition);
        var longArm = AssignedTo("long", definition);
        var lastSeen = Now.AddDays(-40);

        var inShort = When(Detect(Active(definition)), Given(Purchase(lastSeen, shortArm)));
        var inLong = When(Detect(Active(definition)), Given(Purchase(lastSeen, longArm)));
        var inLongLater = When(Detect(Active(definition)) with { Now = Now.AddDays(25) }, Given(Purchase(lastSeen, longArm)));

        var lapsed = inShort[0].ShouldBeOfType<CustomerLapsed>();
        (lapsed.Variant, lapsed.LapsedAt).ShouldBe(("short", lastSeen.AddDays(30)));
        inLong.ShouldBeEmpty();
        var lapsedLater = inLongLater[0].ShouldBeOfType<CustomerLapsed>();
        (lapsedLater.Variant, lapsedLater.LapsedAt, lapsedLater.LastActivityAt).ShouldBe(("long", lastSeen.AddDays(60), (DateTimeOffset?)lastSeen));
    }
}
