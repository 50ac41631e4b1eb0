using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using static WinBack.Domain.Tests.Rules.RuleSpecs;

namespace WinBack.Domain.Tests.Rules;

/// <summary>A backtest against a small history whose outcome is computed by hand in the comments.</summary>
public sealed class BacktestReplayTests
{
    private static readonly DateTimeOffset From = DateTimeOffset.Parse("2026-01-01T00:00:00Z");
    private static readonly DateTimeOffset To = DateTimeOffset.Parse("2026-01-31T00:00:00Z");

    private static DateTimeOffset Jan(int day, int hour = 12) => new(2026, 1, day, hour, 0, 0, TimeSpan.Zero);

    private static ActivityRecorded Login(string customer, DateTimeOffset at) =>
        new(customer, $"login_{customer}_{at.ToUnixTimeSeconds()}", ActivityType.Login, at, at, null, null, null, null, null);

    private static ActivityRecorded Purchase(string customer, DateTimeOffset at, long amount) =>
        new(customer, $"buy_{customer}_{at.ToUnixTimeSeconds()}", ActivityType.Purchase, at, at, new Money(amount, "eur"), null, null, null, null);

    // 10 days of inactivity, 10.00 EUR, 15.00 EUR a day (one reward a day), one reward per customer, a 50 % holdout.
    private static RuleDefinition TenDayRule() => Definition(days: 10, credit: 1000,
        limits: new Limits(null, new Money(1500, "eur"), 1, null), experiment: new Experiment(50, []));

    // The engine's default sweep interval: a crossing is decided at the first multiple of 5 minutes from it on.
    private static readonly TimeSpan Sweep = TimeSpan.FromMinutes(5);

    private static BacktestResult Backtest(RuleDefinition definition, params ICustomerEvent[] events) =>
        BacktestReplay.Run("ten_1", "rule_1", definition, From, To, TriggerContext.None, Sweep, events);

    [Fact]
    public void Replays_an_inactivity_rule_in_time_order_with_its_guard_rails_and_without_the_real_rewards()
    {
        var result = Backtest(TenDayRule(),
            Login("c1", DateTimeOffset.Parse("2025-12-20T12:00:00Z")), // crosses 30 Dec, before the period, but is back on 31 Dec: not counted
            Login("c1", DateTimeOffset.Parse("2025-12-31T12:00:00Z")),
            // The real engine's reward to c1 under the same rule: a backtest does not see it (else c1 would be capped).
            new RewardIssued("c1", "rew_real", "epi_real", "rule_1", 1, "default", RewardType.AccountCredit, 1000, "eur", null, null, null, null,
                Jan(1), Jan(31), RewardGrant.Immediate, null),
            Purchase("c1", Jan(2), 2000),   // c1 crosses 12 Jan 12:00: rewarded
            Login("c2", Jan(2, 13)),        // c2 crosses 12 Jan 13:00: the day's budget has 5.00 left, withheld (budget)
            Login("c3", Jan(5)),            // c3 crosses 15 Jan 12:00: a new day, rewarded
            Purchase("c1", Jan(15), 5000),  // c1 returns within the attribution window, and crosses again 25 Jan: withheld (cap)
            Login("c4", Jan(25)));          // c4 crosses 4 Feb, after the period

        result.EventsRead.ShouldBe(7);
        result.CustomersSeen.ShouldBe(4);
        result.Reached.ShouldBe(4);
        result.Rewarded.ShouldBe(2);
        result.Withheld.ShouldBe(new Dictionary<WithheldReason, int> { [WithheldReason.Budget] = 1, [WithheldReason.PerCustomerCap] = 1 });
        result.Cost.ShouldBe(new Dictionary<string, long> { ["eur"] = 2000 });
        result.Days.Select(d => (d.Period, d.Reached, d.Rewarded, d.Withheld, d.Cost.GetValueOrDefault("eur"))).ShouldBe(
            [("2026-01-12", 2, 1, 1, 1000L), ("2026-01-15", 1, 1, 0, 1000L), ("2026-01-25", 1, 0, 1, 0L)]);
        // 12 and 15 January are in ISO week 3 of 2026, 25 January (a Sunday) in week 4.
        result.Weeks.Select(w => (w.Period, w.Reached, w.Rewarded, w.Cost.GetValueOrDefault("eur"))).ShouldBe(
            [("2026-W03", 3, 2, 2000L), ("2026-W04", 1, 0, 0L)]);
        result.Customers.Select(c => (c.CustomerId, c.RewardedAt, c.Returned, c.Purchased, c.Revenue.GetValueOrDefault("eur"))).ShouldBe(
            [("c1", Jan(12), true, true, 5000L), ("c3", Jan(15), false, false, 0L)]);
        (result.Returned, result.Purchased, result.Revenue["eur"], result.CustomersTruncated).ShouldBe((1, 1, 5000L, false));
    }

    [Fact]
    public void A_moment_rule_fires_each_moment_once_from_the_period_start_and_counts_what_came_after_it()
    {
        // The 2nd order: c1's (10 Dec) is before the period; c2's (3 Jan) is rewarded, and the 7.00 order after it is its revenue
        // (the 3rd order is no moment); c3's (3 Jan, 18:00) is rewarded, with nothing after it. Each is rewarded at the sweep tick after
        // its order (the tick at the order's own time ran before the order came, as on a test clock).
        var definition = Definition(trigger: TriggerType.NthPurchase, days: 0) with
        {
            Trigger = new Trigger(TriggerType.NthPurchase, 0, []) { Count = 2 },
        };
        var result = Backtest(definition,
            Purchase("c1", DateTimeOffset.Parse("2025-12-01T12:00:00Z"), 100), Purchase("c1", DateTimeOffset.Parse("2025-12-10T12:00:00Z"), 100),
            Purchase("c2", Jan(2), 100), Purchase("c2", Jan(3), 100), Purchase("c3", Jan(3, 10), 100), Purchase("c3", Jan(3, 18), 100),
            Purchase("c2", Jan(4), 700));

        result.Customers.Select(c => (c.CustomerId, c.RewardedAt, c.Purchased, c.Revenue.GetValueOrDefault("eur"))).ShouldBe(
            [("c2", Jan(3).AddMinutes(5), true, 700L), ("c3", Jan(3, 18).AddMinutes(5), false, 0L)]);
        result.Rewarded.ShouldBe(2);
        result.Withheld.ShouldBeEmpty();
    }

    [Fact]
    public void A_reward_is_dated_at_the_first_sweep_tick_from_its_crossing_and_an_activity_before_that_tick_comes_first()
    {
        var result = Backtest(TenDayRule(),
            Login("c3", Jan(1, 10).AddMinutes(1)),   // would cross 11 Jan 10:01 (tick 10:05), but is back at 10:03: crosses 21 Jan 10:03
            Login("c1", Jan(1, 12).AddMinutes(2)),   // crosses 11 Jan 12:02: rewarded at the 12:05 tick
            Login("c2", Jan(1, 23).AddMinutes(58)),  // crosses 11 Jan 23:58: rewarded at the midnight tick, on 12 January's budget
            Login("c3", Jan(11, 10).AddMinutes(3)));

        result.Customers.Select(c => (c.CustomerId, c.RewardedAt)).ShouldBe(
            [("c1", Jan(11, 12).AddMinutes(5)), ("c2", Jan(12, 0)), ("c3", Jan(21, 10).AddMinutes(5))]);
        result.Days.Select(d => (d.Period, d.Rewarded)).ShouldBe([("2026-01-11", 1), ("2026-01-12", 1), ("2026-01-21", 1)]);
        result.Reached.ShouldBe(3);
    }

    [Fact]
    public void A_customer_already_past_the_window_when_the_period_starts_is_decided_at_its_first_tick_as_on_activation()
    {
        // c1 crossed on 11 December and is still away on 1 January: the live engine, had the rule been activated then, would
        // lapse them at its first sweep, dating the lapse at the crossing and the reward at the sweep.
        var result = Backtest(TenDayRule(), Login("c1", DateTimeOffset.Parse("2025-12-01T12:00:00Z")), Login("c2", Jan(10)));

        result.Customers.Select(c => (c.CustomerId, c.RewardedAt)).ShouldBe([("c1", From), ("c2", Jan(20))]);
        result.Days.Select(d => d.Period).ShouldBe(["2026-01-01", "2026-01-20"]);
    }

    [Fact]
    public void A_period_whose_start_is_after_its_end_is_refused() =>
        Should.Throw<ArgumentException>(() => new BacktestReplay("ten_1", "rule_1", TenDayRule(), To, From, TriggerContext.None, Sweep));
}
