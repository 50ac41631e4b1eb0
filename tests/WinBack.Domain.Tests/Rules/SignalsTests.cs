using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Tests.Rules;

/// <summary>The churn signals: crossings and re-arms at local midnights, computed from bounded daily counts, fired once per episode.</summary>
public sealed class SignalsTests
{
    // Day 0 of the scripts: a Monday, at midnight UTC.
    private static readonly DateTimeOffset Day0 = DateTimeOffset.Parse("2026-01-05T00:00:00Z");
    private const string Tenant = "ten_1";

    private static readonly Trigger Decline = new(TriggerType.UsageDecline, 0, [])
    {
        Activities = ["login", "custom:report_viewed"], RecentDays = 14, BaselineDays = 56, DropBelow = 0.4, MinBaseline = 8,
    };

    private static readonly Trigger Burst = new(TriggerType.ContactBurst, 0, []) { Activity = "custom:support_contact", Count = 5, WithinDays = 30 };

    private static DateTimeOffset Day(int day, int hour = 0) => Day0.AddDays(day).AddHours(hour);

    private static ActivityRecorded Login(DateTimeOffset at, DateTimeOffset? recorded = null) =>
        new("c1", $"act_{at.ToUnixTimeSeconds()}_{Guid.NewGuid():N}", ActivityType.Login, at, recorded ?? at, null, null, null, null, null);

    private static ActivityRecorded Contact(DateTimeOffset at) =>
        new("c1", $"act_{Guid.NewGuid():N}", ActivityType.Custom, at, at, null, null, "support_contact", null, null);

    private static ActivityRecorded PaymentFailed(DateTimeOffset at, string id) =>
        new("c1", id, ActivityType.PaymentFailed, at, at, null, null, null, null, null);

    private static Customer Given(IEnumerable<ICustomerEvent> events, TimeZoneInfo? zone = null) =>
        events.Aggregate((Customer?)null, (s, e) => Customer.Evolve(s, e, zone ?? TimeZoneInfo.Utc))!;

    private static Customer Then(Customer state, IEnumerable<ICustomerEvent> events) => events.Aggregate(state, (s, e) => Customer.Evolve(s, e));

    private static IEnumerable<ICustomerEvent> DailyLogins(int from, int to, int hour = 15) => Enumerable.Range(from, to - from + 1).Select(d => Login(Day(d, hour)));

    private static RuleDefinition Rule(Trigger trigger, Experiment? experiment = null, Eligibility? eligibility = null) =>
        new("signal", 0, trigger, eligibility ?? Eligibility.Everyone,
            new RewardSpec(RewardType.AccountCredit, new Money(500, "eur"), null, null, null, null, 30, RewardGrant.Immediate), Limits.None, experiment, null, 30);

    private static ActiveRule Active(Trigger trigger, DateTimeOffset? since = null, Experiment? experiment = null, Eligibility? eligibility = null) =>
        new("rule_s", 1, Rule(trigger, experiment, eligibility), new BudgetMeter(Limits.None, null, null), since ?? Day0);

    private static IReadOnlyList<ICustomerEvent> When(Customer customer, DateTimeOffset now, ActiveRule rule, TimeZoneInfo? zone = null) =>
        LapseDecider.Decide(new DetectLapse(Tenant, [rule], "epi_1", "rwd_1", now, TriggerContext.None with { TimeZone = zone ?? TimeZoneInfo.Utc }), customer);

    private static TriggerContext For(ActiveRule rule, TimeZoneInfo? zone = null) =>
        (TriggerContext.None with { TimeZone = zone ?? TimeZoneInfo.Utc }).ForRule(rule.Id, rule.ActiveSince);

    [Fact]
    public void Usage_decline_crosses_at_the_first_midnight_where_the_recent_window_falls_below_the_scaled_baseline()
    {
        // Daily logins on days 0-69, then none. From day 69 on, day d's recent window (d-13..d) holds 83-d logins and its baseline
        // (d-69..d-14) 56; it fires when (83-d) * 56 < 0.4 * 56 * 14, i.e. 83-d <= 5: day 78, at its midnight.
        var customer = Given(DailyLogins(0, 69));
        var step = Signals.Next(Decline, customer, For(Active(Decline)));

        step.ShouldBe(new SignalStep(Day(78), SignalAction.Fire));
    }

    [Fact]
    public void Crossings_agree_with_the_definition_counted_instant_by_instant_over_random_histories()
    {
        var random = new Random(25);
        for (var run = 0; run < 200; run++)
        {
            var trigger = Decline with { RecentDays = random.Next(1, 20), BaselineDays = random.Next(1, 40), DropBelow = random.Next(1, 10) / 10.0, MinBaseline = random.Next(1, 6) };
            var times = Enumerable.Range(0, random.Next(1, 60)).Select(_ => Day(random.Next(0, 90), random.Next(0, 24))).ToList();
            var customer = Given(times.Select(t => Login(t)));
            var expected = Enumerable.Range(0, 200).Select(d => Day(d)).Where(t => NaiveFires(trigger, times, t)).Select(t => (DateTimeOffset?)t).FirstOrDefault();

            var step = Signals.Next(trigger, customer, For(Active(trigger)));

            (step?.At).ShouldBe(expected, $"run {run}");
        }
    }

    // The words: recent = (t - recentDays, t], baseline = (t - recentDays - baselineDays, t - recentDays], each activity at its day's start.
    private static bool NaiveFires(Trigger trigger, IReadOnlyList<DateTimeOffset> times, DateTimeOffset t)
    {
        var starts = times.Select(x => new DateTimeOffset(x.UtcDateTime.Date, TimeSpan.Zero)).ToList();
        var recent = starts.Count(s => s > t.AddDays(-trigger.RecentDays!.Value) && s <= t);
        var baseline = starts.Count(s => s > t.AddDays(-trigger.RecentDays!.Value - trigger.BaselineDays!.Value) && s <= t.AddDays(-trigger.RecentDays!.Value));
        return baseline >= trigger.MinBaseline && (double)recent < trigger.DropBelow!.Value * baseline * trigger.RecentDays!.Value / trigger.BaselineDays!.Value - 1e-9;
    }

    [Fact]
    public void Usage_decline_does_not_fire_below_min_baseline()
    {
        // Seven logins then silence: the baseline never holds the 8 required.
        var customer = Given(DailyLogins(0, 6));

        Signals.Next(Decline, customer, For(Active(Decline))).ShouldBeNull();
        When(customer, Day(400), Active(Decline)).ShouldBeEmpty();
    }

    [Fact]
    public void A_signal_fires_once_per_episode_and_again_only_after_it_re_armed()
    {
        var rule = Active(Decline);
        var customer = Given(DailyLogins(0, 69));

        var fired = When(customer, Day(78, 0).AddMinutes(5), rule);
        var reached = fired[0].ShouldBeOfType<MomentReached>();
        (reached.ReachedAt, reached.TriggeredAt, reached.Key).ShouldBe((Day(78), Day(78), "usage_decline:2026-03-24T00:00:00Z"));
        fired[1].ShouldBeOfType<RewardIssued>().TriggeredAt.ShouldBe(Day(78));
        customer = Then(customer, fired);
        When(customer, Day(120), rule).ShouldBeEmpty(); // still in decline: the episode is open

        // Daily use again from day 120: the ratio is back above 0.8 of the baseline once the recent window holds enough.
        customer = Then(customer, DailyLogins(120, 199));
        var step = Signals.Next(Decline, customer, For(rule));
        step!.Action.ShouldBe(SignalAction.Rearm);
        var rearmed = When(customer, Day(200), rule);
        rearmed.ShouldHaveSingleItem().ShouldBeOfType<SignalRearmed>().RearmedAt.ShouldBe(step.At);
        customer = Then(customer, rearmed);

        // Silence after day 199: a second decline, a second episode.
        var again = When(customer, Day(260), rule);
        again[0].ShouldBeOfType<MomentReached>().ReachedAt.ShouldBe(Day(208));
        When(Then(customer, again), Day(261), rule).ShouldBeEmpty();
    }

    [Fact]
    public void A_late_activity_that_makes_a_past_crossing_fires_once_at_once_and_one_that_removes_it_undoes_nothing()
    {
        var rule = Active(Decline);
        // Recorded on day 90: logins backdated to days 0-69. The crossing (day 78) has passed; it fires at once, dated day 78.
        var customer = Given(Enumerable.Range(0, 70).Select(d => Login(Day(d, 15), recorded: Day(90))));
        var fired = When(customer, Day(90), rule);
        fired[0].ShouldBeOfType<MomentReached>().ReachedAt.ShouldBe(Day(78));
        customer = Then(customer, fired);

        // Backdated logins on days 70-80 remove the crossing at day 78: the episode stays; the rule does not re-arm before it was
        // decided (day 90), so the same decline (now crossing on day 89) does not fire twice.
        customer = Then(customer, DailyLogins(70, 80).Select(e => (ActivityRecorded)e with { RecordedAt = Day(91) }));
        When(customer, Day(91), rule).ShouldBeEmpty();
        customer.Signals["rule_s"].ShouldBe(new SignalEpisode(Day(78), Day(90)));
    }

    [Fact]
    public void A_customer_already_in_decline_when_the_rule_is_activated_fires_at_the_next_midnight()
    {
        var customer = Given(DailyLogins(0, 69));
        var rule = Active(Decline, since: Day(100, 9));

        Signals.Next(Decline, customer, For(rule)).ShouldBe(new SignalStep(Day(101), SignalAction.Fire));
    }

    [Fact]
    public void Contact_burst_fires_at_the_fifth_contact_within_the_window_and_not_for_five_over_31_days()
    {
        var rule = Active(Burst);
        var within = Given(new[] { 0, 7, 14, 21, 29 }.Select(d => Contact(Day(d, 10))));
        var spread = Given(new[] { 0, 7, 14, 21, 30 }.Select(d => Contact(Day(d, 10))));

        Signals.Next(Burst, within, For(rule)).ShouldBe(new SignalStep(Day(29), SignalAction.Fire));
        Signals.Next(Burst, spread, For(rule)).ShouldBeNull();
        When(spread, Day(100), rule).ShouldBeEmpty();
        // It re-arms when day 0's contact leaves the window (day 30), below 5 again.
        var after = Then(within, When(within, Day(29, 10), rule));
        Signals.Next(Burst, after, For(rule)).ShouldBe(new SignalStep(Day(30), SignalAction.Rearm));
    }

    [Fact]
    public void Days_are_the_tenant_s_local_days_and_crossings_its_midnights()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        // 23:30 UTC is 00:30 the next day in Berlin (winter, UTC+1): the five contacts fall on local days 1, 8, 15, 22, 29.
        var customer = Given(new[] { 0, 7, 14, 21, 28 }.Select(d => Contact(Day(d, 23).AddMinutes(30))), berlin);

        Signals.Next(Burst, customer, For(Active(Burst), berlin)).ShouldBe(new SignalStep(Day(28, 23), SignalAction.Fire));
    }

    [Fact]
    public void Payment_failed_fires_at_each_failure_under_its_own_key_with_the_guard_rails()
    {
        var trigger = new Trigger(TriggerType.PaymentFailed, 0, []);
        var rule = Active(trigger, eligibility: Eligibility.Everyone with { MinOrderCount = 1 });
        var customer = Given([PaymentFailed(Day(1), "act_a"), PaymentFailed(Day(2), "act_b")]);

        // No order yet: reached, withheld as ineligible.
        var first = When(customer, Day(3), rule);
        first[0].ShouldBeOfType<MomentReached>().Key.ShouldBe("payment_failed:act_a");
        first[1].ShouldBeOfType<RewardWithheld>().Reason.ShouldBe(WithheldReason.Ineligible);
        customer = Then(customer, first);
        customer = Then(customer, [new ActivityRecorded("c1", "act_p", ActivityType.Purchase, Day(3), Day(3), new Money(100, "eur"), null, null, null, null)]);
        var second = When(customer, Day(3), rule);
        second[0].ShouldBeOfType<MomentReached>().Key.ShouldBe("payment_failed:act_b");
        second[1].ShouldBeOfType<RewardIssued>().TriggeredAt.ShouldBe(Day(2));
        When(Then(customer, second), Day(4), rule).ShouldBeEmpty();
    }

    [Fact]
    public void The_counts_stay_bounded_in_days_and_kinds()
    {
        var customer = Given(DailyLogins(0, 999));
        var logins = customer.ActivityCounts.ByKind["login"];
        logins.Days.Length.ShouldBe(ActivityCounts.KeptDays);
        customer.ActivityCounts.CompleteFrom.ShouldBe(logins.Days[0]);

        var many = Given(Enumerable.Range(0, 20).Select(i =>
            new ActivityRecorded("c1", $"a{i}", ActivityType.Custom, Day(i), Day(i), null, null, $"kind_{i}", null, null)));
        many.ActivityCounts.ByKind.Count.ShouldBe(ActivityCounts.MaxKinds);
        many.ActivityCounts.ByKind.Keys.ShouldContain("custom:kind_19");
        many.ActivityCounts.ByKind.Keys.ShouldNotContain("custom:kind_0");
    }

    [Fact]
    public void A_backtest_replays_signal_rules_with_the_engine_s_decisions()
    {
        // In recording order, as the store hands them over.
        var events = DailyLogins(0, 69).Concat(new[] { 0, 7, 14, 21, 29 }.Select(d => Contact(Day(d, 10)))).Cast<ActivityRecorded>()
            .OrderBy(e => e.RecordedAt).ToList<ICustomerEvent>();
        var decline = BacktestReplay.Run(Tenant, "rule_s", Rule(Decline), Day0, Day(300), TriggerContext.None, TimeSpan.FromMinutes(5), events);
        var burst = BacktestReplay.Run(Tenant, "rule_b", Rule(Burst), Day0, Day(300), TriggerContext.None, TimeSpan.FromMinutes(5), events);
        var failed = BacktestReplay.Run(Tenant, "rule_p", Rule(new Trigger(TriggerType.PaymentFailed, 0, [])), Day0, Day(300), TriggerContext.None, TimeSpan.FromMinutes(5),
            [PaymentFailed(Day(5), "act_f")]);

        (decline.Reached, decline.Rewarded).ShouldBe((1, 1));
        decline.Customers.ShouldHaveSingleItem().RewardedAt.ShouldBe(Day(78));
        // The 5th contact counts from its day's start but is recorded at 10:00: the replay (as the engine) fires it at the first
        // sweep tick after it is known, 5 minutes later.
        burst.Customers.ShouldHaveSingleItem().RewardedAt.ShouldBe(Day(29, 10).AddMinutes(5));
        failed.Customers.ShouldHaveSingleItem().RewardedAt.ShouldBe(Day(5).AddMinutes(5)); // recorded at a tick: the next one
    }
}
