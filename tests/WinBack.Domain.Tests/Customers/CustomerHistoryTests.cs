using System.Text.Json;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Tests.Customers;

/// <summary>The hot state and the history (rewards, episodes): what an activity can be folded on without the history.</summary>
public sealed class CustomerHistoryTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z");
    private static int _activities;

    private static ActivityRecorded Did(ActivityType type, DateTimeOffset at, long? amount = null) =>
        new("c1", $"act_{++_activities}", type, at, at, amount is { } a ? new Money(a, "eur") : null, null, null, null, null);

    private static CustomerLapsed Lapse(string episode, DateTimeOffset at, int attributionDays = 30) =>
        new("c1", episode, "rule_1", 2, "A", at.AddDays(-30), at, at, [ActivityType.Purchase], null,
            new Dictionary<string, string>(), attributionDays);

    private static RewardIssued Credit(string rewardId, string? episodeId, DateTimeOffset at) =>
        new("c1", rewardId, episodeId, episodeId is null ? null : "rule_1", null, null, RewardType.AccountCredit, 500, "eur", null, null, null,
            null, at, at.AddDays(90), episodeId is null ? RewardGrant.Immediate : RewardGrant.OnReturn, null);

    private static Customer Fold(Customer? state, params ICustomerEvent[] events) => events.Aggregate(state, (s, e) => Customer.Evolve(s, e))!;

    // Two lapses, the first returned on day 40 with a 30-day attribution window, and a manual credit.
    private static Customer WithHistory() => Fold(null,
        Did(ActivityType.Purchase, T0, 1000), Lapse("ep_1", T0.AddDays(30)), Credit("rw_1", "ep_1", T0.AddDays(30)),
        new CustomerReactivated("c1", "ep_1", "act_r", T0.AddDays(40), ActivityType.Purchase, new Money(2000, "eur")),
        Credit("rw_2", null, T0.AddDays(45)));

    [Fact]
    public void The_hot_state_carries_no_rewards_or_episodes_but_knows_when_the_last_attribution_window_ends()
    {
        var hot = WithHistory().WithoutHistory();

        hot.Rewards.ShouldBeEmpty();
        hot.Episodes.ShouldBeEmpty();
        hot.AttributionEndsAt.ShouldBe(T0.AddDays(70));
        hot.WithoutHistory().AttributionEndsAt.ShouldBe(T0.AddDays(70), "splitting a hot state again keeps what it knew");
    }

    [Fact]
    public void Only_purchases_and_refunds_inside_an_attribution_window_and_ledger_events_touch_the_history()
    {
        var hot = WithHistory().WithoutHistory();

        Customer.TouchesHistory(hot, Did(ActivityType.Purchase, T0.AddDays(50), 100)).ShouldBeTrue();
        Customer.TouchesHistory(hot, Did(ActivityType.Refund, T0.AddDays(70), 100)).ShouldBeTrue();
        Customer.TouchesHistory(hot, Did(ActivityType.Purchase, T0.AddDays(71), 100)).ShouldBeFalse();
        Customer.TouchesHistory(hot, Did(ActivityType.Login, T0.AddDays(50))).ShouldBeFalse();
        Customer.TouchesHistory(null, Did(ActivityType.Purchase, T0, 100)).ShouldBeFalse();
        Customer.TouchesHistory(hot, new ProfileUpdated("c1", "a@example.com", null, new Dictionary<string, string>(), T0)).ShouldBeFalse();
        Customer.TouchesHistory(hot, Lapse("ep_2", T0.AddDays(200))).ShouldBeTrue();
        Customer.TouchesHistory(hot, new RewardRevoked("c1", "rw_2", "goodwill undone", 500, "eur", T0.AddDays(60))).ShouldBeTrue();
    }

    [Fact]
    public void Activities_that_do_not_touch_the_history_fold_the_same_on_the_hot_state_as_on_the_whole()
    {
        var whole = WithHistory();
        ICustomerEvent[] activities =
        [
            Did(ActivityType.Login, T0.AddDays(100)), Did(ActivityType.Purchase, T0.AddDays(101), 700),
            Did(ActivityType.Refund, T0.AddDays(102), 200), Did(ActivityType.SubscriptionCancelled, T0.AddDays(103)),
        ];
        activities.ShouldAllBe(e => !Customer.TouchesHistory(whole.WithoutHistory(), e));

        var onHot = Fold(whole.WithoutHistory(), activities);
        var onWhole = Fold(whole, activities);

        onWhole.Rewards.ShouldBeSameAs(whole.Rewards);
        onWhole.Episodes.ShouldBeSameAs(whole.Episodes);
        JsonSerializer.Serialize(onHot).ShouldBe(JsonSerializer.Serialize(onWhole.WithoutHistory()));
    }
}
