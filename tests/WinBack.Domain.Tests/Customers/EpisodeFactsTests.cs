using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Tests.Customers;

/// <summary>What the customer stream records about each lapse episode, for reports.</summary>
public sealed class EpisodeFactsTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z");
    private static int _activities;

    private static ActivityRecorded Did(ActivityType type, DateTimeOffset at, long? amount = null) =>
        new("c1", $"act_{++_activities}", type, at, at, amount is { } a ? new Money(a, "eur") : null, null, null, null, null);

    private static CustomerLapsed Lapse(string episode, DateTimeOffset at, int attributionDays = 30) =>
        new("c1", episode, "rule_1", 2, "A", at.AddDays(-30), at, at, [ActivityType.Purchase], ChurnReason.TooExpensive,
            new Dictionary<string, string> { ["channel"] = "web" }, attributionDays);

    private static Customer Given(params ICustomerEvent[] events) =>
        events.Aggregate((Customer?)null, (state, e) => Customer.Evolve(state, e))!;

    /// <summary>An activity as the writer records it: with the return it triggers, if any.</summary>
    private static Customer Record(Customer customer, ActivityRecorded activity) =>
        new ICustomerEvent[] { activity }.Concat(LedgerDecider.Reactivation(customer, activity))
            .Aggregate(customer, (state, e) => Customer.Evolve(state, e));

    [Fact]
    public void An_episode_records_how_it_opened()
    {
        var customer = Given(Did(ActivityType.Purchase, T0, 1000), Lapse("ep_1", T0.AddDays(30)));

        var episode = customer.Episodes.Single();
        (episode.EpisodeId, episode.RuleId, episode.RuleVersion, episode.Variant, episode.LapsedAt, episode.AttributionDays, episode.ChurnReason)
            .ShouldBe(("ep_1", "rule_1", 2, "A", T0.AddDays(30), 30, (ChurnReason?)ChurnReason.TooExpensive));
        episode.Attributes["channel"].ShouldBe("web");
        episode.ReturnedAt.ShouldBeNull();
        episode.DaysToReturn.ShouldBeNull();
        episode.RevenueAfterReturn.ShouldBeEmpty();
    }

    [Fact]
    public void Revenue_after_return_counts_the_returning_purchase_and_the_window_after_it_minus_refunds()
    {
        var customer = Given(Did(ActivityType.Purchase, T0, 1000), Lapse("ep_1", T0.AddDays(30)));
        customer = Record(customer, Did(ActivityType.Purchase, T0.AddDays(40), 2500));        // the return
        customer = Record(customer, Did(ActivityType.Purchase, T0.AddDays(55), 1200));
        customer = Record(customer, Did(ActivityType.Refund, T0.AddDays(60), 500));
        customer = Record(customer, Did(ActivityType.Purchase, T0.AddDays(70), 900));         // the window's last day
        customer = Record(customer, Did(ActivityType.Purchase, T0.AddDays(70).AddSeconds(1), 4000)); // one second past it
        customer = Record(customer, Did(ActivityType.Purchase, T0.AddDays(35), 777));         // late, but before the return

        var episode = customer.Episodes.Single();
        episode.ReturnedAt.ShouldBe(T0.AddDays(40));
        episode.DaysToReturn.ShouldBe(10);
        episode.RevenueAfterReturn["eur"].ShouldBe(2500 + 1200 - 500 + 900);
        episode.OrdersAfterReturn.ShouldBe(3);
    }

    [Fact]
    public void A_return_by_login_brings_no_revenue_itself()
    {
        var customer = Given(Did(ActivityType.Purchase, T0, 1000),
            Lapse("ep_1", T0.AddDays(30)) with { ReturnTypes = [ActivityType.Login, ActivityType.Purchase] });
        customer = Record(customer, Did(ActivityType.Login, T0.AddDays(31)));
        customer = Record(customer, Did(ActivityType.Purchase, T0.AddDays(32), 300));

        var episode = customer.Episodes.Single();
        episode.ReturnedAt.ShouldBe(T0.AddDays(31));
        episode.RevenueAfterReturn["eur"].ShouldBe(300);
        episode.OrdersAfterReturn.ShouldBe(1);
    }

    [Fact]
    public void A_relapse_dates_the_earlier_episode_and_windows_count_independently()
    {
        var customer = Given(Did(ActivityType.Purchase, T0, 1000), Lapse("ep_1", T0.AddDays(30), attributionDays: 90));
        customer = Record(customer, Did(ActivityType.Purchase, T0.AddDays(40), 100));
        customer = Customer.Evolve(customer, Lapse("ep_2", T0.AddDays(70)));
        customer = Record(customer, Did(ActivityType.Purchase, T0.AddDays(80), 200)); // returns ep_2, still in ep_1's window

        customer.Episodes.Select(e => (e.EpisodeId, e.RelapsedAt)).ShouldBe([("ep_1", T0.AddDays(70)), ("ep_2", (DateTimeOffset?)null)]);
        customer.Episodes[0].RevenueAfterReturn["eur"].ShouldBe(300);
        customer.Episodes[1].RevenueAfterReturn["eur"].ShouldBe(200);
    }

    [Fact]
    public void Rewards_and_withholdings_are_tied_to_their_episode_and_the_reward_keeps_its_cost_figures()
    {
        var issued = new RewardIssued("c1", "rwd_1", "ep_1", "rule_1", 2, "A", RewardType.AccountCredit, 1000, "eur", null, null, null, null,
            T0.AddDays(30), T0.AddDays(44), RewardGrant.Immediate, null);
        var customer = Given(Did(ActivityType.Purchase, T0, 1000), Lapse("ep_1", T0.AddDays(30)), issued,
            new RewardRedeemed("c1", "rwd_1", "red_1", "o1", 300, "eur", T0.AddDays(31)),
            new RewardRedeemed("c1", "rwd_1", "red_2", "o2", 200, "eur", T0.AddDays(32)),
            new RewardRedemptionReversed("c1", "rwd_1", "red_2", T0.AddDays(33)),
            new RewardExpired("c1", "rwd_1", 700, "eur", T0.AddDays(44)));

        customer.Episodes.Single().RewardId.ShouldBe("rwd_1");
        var reward = customer.Reward("rwd_1")!;
        (reward.Issued.Amount, reward.Redeemed, reward.Expired, reward.Revoked, reward.Remaining).ShouldBe((1000L, 300L, 700L, 0L, 0L));

        var held = Given(Did(ActivityType.Purchase, T0, 1000), Lapse("ep_9", T0.AddDays(30)),
            new RewardWithheld("c1", "ep_9", "rule_1", WithheldReason.Holdout, T0.AddDays(30)));
        held.Episodes.Single().Withheld.ShouldBe(WithheldReason.Holdout);
        held.Episodes.Single().RewardId.ShouldBeNull();
    }
}
