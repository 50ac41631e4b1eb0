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

    [Fact]
    public void A_purchase_or_refund_outside_every_attribution_window_is_stored_as_one_that_no_episode_counts()
    {
        var hot = WithHistory().WithoutHistory();
        var purchase = Did(ActivityType.Purchase, T0.AddDays(71), 700);

        var stored = purchase.StoredFor(hot);

        stored.ShouldBeOfType<UnattributedActivityRecorded>();
        (stored.CustomerId, stored.ActivityId, stored.Type, stored.OccurredAt, stored.RecordedAt, stored.Amount, stored.ExternalId)
            .ShouldBe((purchase.CustomerId, purchase.ActivityId, purchase.Type, purchase.OccurredAt, purchase.RecordedAt, purchase.Amount, purchase.ExternalId));
        Did(ActivityType.Refund, T0.AddDays(71), 100).StoredFor(hot).ShouldBeOfType<UnattributedActivityRecorded>();
        Did(ActivityType.Purchase, T0, 100).StoredFor(null).ShouldBeOfType<UnattributedActivityRecorded>("a customer seen for the first time has no episode");
    }

    [Fact]
    public void A_purchase_or_refund_inside_an_attribution_window_and_every_other_activity_are_stored_as_they_are()
    {
        var hot = WithHistory().WithoutHistory();
        var inWindow = Did(ActivityType.Purchase, T0.AddDays(70), 700);
        var login = CustomerDecider.Decide(new RecordActivity("c1", "act_l", ActivityType.Login, T0.AddDays(71), null, null, null, null, null, T0.AddDays(71)));

        inWindow.StoredFor(hot).ShouldBeSameAs(inWindow);
        Did(ActivityType.Refund, T0.AddDays(50), 100).StoredFor(hot).GetType().ShouldBe(typeof(ActivityRecorded));
        login.StoredFor(hot).ShouldBeSameAs(login);
        login.ShouldBeOfType<NonRevenueActivityRecorded>();
        inWindow.StoredFor(WithHistory() with { AttributionEndsAt = null }).ShouldBeSameAs(inWindow,
            "a state that carries its episodes (stored before the split) has its window from them");
    }

    [Fact]
    public void What_is_stored_as_unattributed_changes_no_episode_when_folded_on_the_whole_history()
    {
        // A lapse returned on day 40 (window to day 70), a moment on day 80 (window to day 110), and a second lapse on day 200.
        var moment = new MomentReached("c1", "ep_m", "rule_m", 1, "A", TriggerType.Birthday, "2026", T0.AddDays(80), T0.AddDays(80),
            new Dictionary<string, string>(), 30);
        var whole = Fold(WithHistory(), moment, Lapse("ep_2", T0.AddDays(200)));
        var days = new[] { 0, 39, 40, 55, 70, 71, 79, 80, 95, 110, 111, 199, 200, 230 };
        var unattributedDays = new List<int>();

        foreach (var day in days)
            foreach (var type in new[] { ActivityType.Purchase, ActivityType.Refund })
            {
                var stored = Did(type, T0.AddDays(day), 300).StoredFor(whole.WithoutHistory());
                if (stored is not UnattributedActivityRecorded)
                    continue;
                Customer.Evolve(whole, stored).Episodes.ShouldBeSameAs(whole.Episodes, $"a {type} on day {day} stored as unattributed");
                unattributedDays.Add(day);
            }

        // Up to the last window's end (day 110) an activity is stored as one an episode may count, even between windows.
        unattributedDays.Distinct().ShouldBe([111, 199, 200, 230]);
        unattributedDays.Count.ShouldBe(8, "purchases and refunds alike");
    }

    [Fact]
    public void A_purchase_that_closes_an_open_episode_is_stored_as_unattributed_and_counted_by_its_reactivation()
    {
        var lapsed = Fold(null, Did(ActivityType.Purchase, T0, 1000), Lapse("ep_1", T0.AddDays(30)));
        var purchase = Did(ActivityType.Purchase, T0.AddDays(40), 2500);

        var events = CustomerDecider.Record(lapsed.WithoutHistory(), purchase);

        events[0].ShouldBeOfType<UnattributedActivityRecorded>();
        events[1].ShouldBeOfType<CustomerReactivated>().Amount.ShouldBe(new Money(2500, "eur"));
        var returned = Fold(lapsed, [.. events]);
        var episode = returned.Episodes.Single();
        episode.ReturnedAt.ShouldBe(T0.AddDays(40));
        episode.RevenueAfterReturn.ShouldBe(new Dictionary<string, long> { ["eur"] = 2500 });
        episode.OrdersAfterReturn.ShouldBe(1);
        // The next purchase of the same group is decided on this state, whose stored window is not set yet: taken from the episode.
        Did(ActivityType.Purchase, T0.AddDays(41), 300).StoredFor(returned).GetType().ShouldBe(typeof(ActivityRecorded));
    }
}
