using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Tests.Rules;

public sealed class PersonalWindowTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-01-05T10:00:00Z");
    private static readonly Trigger Personal = new(TriggerType.Inactivity, 90, [], new PersonalWindow(2.5, 3));

    private static Customer Bought(params double[] daysFromStart) =>
        daysFromStart.Aggregate((Customer?)null, (state, d) => Customer.Evolve(state, new ActivityRecorded("c1", $"act_{d}",
            ActivityType.Purchase, Start.AddDays(d), Start.AddDays(d), new Money(1000, "eur"), null, null, null, null)))!;

    [Fact]
    public void The_median_gap_is_the_middle_gap_or_the_mean_of_the_two_middle_ones()
    {
        // Gaps 1, 9, 2 -> sorted 1, 2, 9 -> median 2; gaps 1, 9, 2, 4 -> 1, 2, 4, 9 -> (2 + 4) / 2 = 3.
        PersonalWindow.MedianGapDays(Bought(0, 1, 10, 12).RecentPurchases).ShouldBe(2);
        PersonalWindow.MedianGapDays(Bought(0, 1, 10, 12, 16).RecentPurchases).ShouldBe(3);
        // Fractional days are kept: half a day between purchases is 0.5, not 0 or 1.
        PersonalWindow.MedianGapDays(Bought(0, 0.5, 1).RecentPurchases).ShouldBe(0.5, 1e-9);
    }

    [Fact]
    public void A_weekly_buyer_lapses_after_the_multiple_of_their_own_gap()
    {
        var weekly = Bought(0, 7, 14, 21);

        RuleAudience.WindowOf(Personal, 90, weekly).ShouldBe(new LapseWindow(17.5, WindowSource.Personal));
        RuleAudience.CrossingAt(Personal, 90, weekly).ShouldBe(Start.AddDays(21 + 17.5));
    }

    [Fact]
    public void Too_few_purchases_fall_back_to_the_rules_days()
    {
        var twice = Bought(0, 7);

        RuleAudience.WindowOf(Personal, 90, twice).ShouldBe(new LapseWindow(90, WindowSource.Rule));
        RuleAudience.CrossingAt(Personal, 90, twice).ShouldBe(Start.AddDays(7 + 90));
        // A variant's days are the fallback for its customers.
        RuleAudience.WindowOf(Personal, 60, twice).ShouldBe(new LapseWindow(60, WindowSource.Rule));
    }

    [Fact]
    public void MinPurchases_counts_purchases_not_gaps()
    {
        var trigger = Personal with { PersonalWindow = new PersonalWindow(2, 2) };

        RuleAudience.WindowOf(trigger, 90, Bought(0, 10)).ShouldBe(new LapseWindow(20, WindowSource.Personal));
    }

    [Fact]
    public void Purchases_at_the_same_moment_give_no_window_of_zero_but_the_rules()
    {
        RuleAudience.WindowOf(Personal, 90, Bought(3, 3, 3))!.Source.ShouldBe(WindowSource.Rule);
    }

    [Fact]
    public void Only_the_latest_purchases_are_kept_in_order_even_when_they_arrive_late()
    {
        var customer = Bought([.. Enumerable.Range(0, 40).Select(i => i * 2.0), 79.5, 1]);

        customer.RecentPurchases.Count.ShouldBe(Customer.RecentPurchaseLimit);
        customer.RecentPurchases.ShouldBe(customer.RecentPurchases.OrderBy(t => t));
        customer.RecentPurchases[^1].ShouldBe(Start.AddDays(79.5));
        customer.RecentPurchases.ShouldNotContain(Start.AddDays(1));
        customer.RecordedOrderCount.ShouldBe(42);
    }

    [Fact]
    public void Other_triggers_ignore_a_personal_window()
    {
        var cancellation = new Trigger(TriggerType.Cancellation, 7, [], new PersonalWindow(2.5, 2));

        RuleAudience.WindowOf(cancellation, 7, Bought(0, 1, 2)).ShouldBe(new LapseWindow(7, WindowSource.Rule));
    }

    [Fact]
    public void The_reward_and_the_lapse_carry_the_personal_window()
    {
        var rule = new RuleDefinition("weekly", 10, Personal, Eligibility.Everyone,
            new RewardSpec(RewardType.AccountCredit, new Money(500, "eur"), null, null, null, null, 30, RewardGrant.Immediate),
            Limits.None, null, null, RuleDefinition.DefaultAttributionDays);
        var active = new ActiveRule("rule_1", 1, rule, new BudgetMeter(Limits.None, null, null));
        var weekly = Bought(0, 7, 14, 21);

        LapseDecider.Decide(new DetectLapse("ten_1", [active], "ep_1", "rwd_1", Start.AddDays(38)), weekly).ShouldBeEmpty();
        var events = LapseDecider.Decide(new DetectLapse("ten_1", [active], "ep_1", "rwd_1", Start.AddDays(39)), weekly);

        var lapsed = events.OfType<CustomerLapsed>().Single();
        lapsed.LapsedAt.ShouldBe(Start.AddDays(38.5));
        lapsed.LastActivityAt.ShouldBe(Start.AddDays(21));
        events.OfType<RewardIssued>().Single().Window.ShouldBe(new LapseWindow(17.5, WindowSource.Personal));
    }
}
