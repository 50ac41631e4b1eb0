using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Tests.Customers;

public sealed class LedgerDeciderTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-24T09:00:00Z");
    private static readonly DateTimeOffset Expiry = Now.AddDays(30);

    private static readonly ActivityRecorded FirstSeen =
        new("c1", "act_0", ActivityType.Purchase, Now.AddDays(-200), Now.AddDays(-200), new Money(5000, "eur"), null, null, null, null);

    private static readonly CustomerLapsed Lapsed = new("c1", "ep_1", "rule_1", 1, "A", Now.AddDays(-200), Now.AddDays(-110), Now,
        [ActivityType.Purchase], null, new Dictionary<string, string>());

    private static RewardIssued Credit(long amount = 1000, RewardGrant grant = RewardGrant.Immediate, string id = "rwd_1") =>
        new("c1", id, "ep_1", "rule_1", 1, "A", RewardType.AccountCredit, amount, "eur", null, null, null, null, Now, Expiry, grant, null);

    private static RewardIssued Discount(int uses) =>
        new("c1", "rwd_2", "ep_1", "rule_1", 1, "A", RewardType.PercentDiscount, null, null, 20, uses, null, null, Now, Expiry, RewardGrant.Immediate, null);

    private static Customer Given(params ICustomerEvent[] events) =>
        events.Aggregate((Customer?)null, (state, e) => Customer.Evolve(state, e))!;

    private static Customer Then(Customer state, IEnumerable<ICustomerEvent> events) =>
        events.Aggregate(state, (s, e) => Customer.Evolve(s, e));

    private static IReadOnlyList<ICustomerEvent> Redeem(Customer customer, string order, long? amount, DateTimeOffset? at = null, string reward = "rwd_1") =>
        LedgerDecider.Decide(new RedeemReward(reward, $"red_{order}", order, amount is { } a ? new Money(a, "eur") : null, at ?? Now),
            customer, customer.Reward(reward)!);

    private static string Refused(Func<object> act) => Should.Throw<DomainRuleViolated>(act).Code;

    [Fact]
    public void A_credit_is_redeemed_in_parts_and_the_balance_follows()
    {
        var customer = Given(FirstSeen, Lapsed, Credit(1000));
        customer.Balance["eur"].ShouldBe(1000);

        customer = Then(customer, Redeem(customer, "o1", 300));
        customer = Then(customer, Redeem(customer, "o2", 700));

        customer.Balance["eur"].ShouldBe(0);
        customer.Reward("rwd_1")!.Status.ShouldBe(RewardStatus.Redeemed);
    }

    [Fact]
    public void The_balance_never_goes_negative()
    {
        var customer = Given(FirstSeen, Lapsed, Credit(1000));
        customer = Then(customer, Redeem(customer, "o1", 600));

        Refused(() => Redeem(customer, "o2", 401)).ShouldBe(LedgerDecider.InsufficientBalance);
        Refused(() => Redeem(customer, "o3", 0)).ShouldBe(LedgerDecider.AmountMismatch);
        Refused(() => LedgerDecider.Decide(new RedeemReward("rwd_1", "red_x", "o4", new Money(10, "usd"), Now), customer, customer.Reward("rwd_1")!))
            .ShouldBe(LedgerDecider.CurrencyMismatch);
        customer.Balance["eur"].ShouldBe(400);
    }

    [Fact]
    public void The_same_order_redeems_once()
    {
        var customer = Given(FirstSeen, Lapsed, Credit(1000));
        customer = Then(customer, Redeem(customer, "o1", 300));

        Redeem(customer, "o1", 300).ShouldBeEmpty();
    }

    [Fact]
    public void A_discount_is_redeemed_by_use()
    {
        var customer = Given(FirstSeen, Lapsed, Discount(uses: 2));

        customer = Then(customer, Redeem(customer, "o1", null, reward: "rwd_2"));
        customer = Then(customer, Redeem(customer, "o2", null, reward: "rwd_2"));

        customer.Reward("rwd_2")!.Status.ShouldBe(RewardStatus.Redeemed);
        Refused(() => Redeem(customer, "o3", null, reward: "rwd_2")).ShouldBe(LedgerDecider.InsufficientBalance);
        customer.Balance.ShouldBeEmpty();
    }

    [Fact]
    public void A_reversal_gives_the_value_back_once()
    {
        var customer = Given(FirstSeen, Lapsed, Credit(1000));
        customer = Then(customer, Redeem(customer, "o1", 1000));

        customer = Then(customer, LedgerDecider.Decide(new ReverseRedemption("rwd_1", "red_o1", Now.AddDays(1)), customer, customer.Reward("rwd_1")!));

        customer.Balance["eur"].ShouldBe(1000);
        customer.Reward("rwd_1")!.Status.ShouldBe(RewardStatus.Available);
        LedgerDecider.Decide(new ReverseRedemption("rwd_1", "red_o1", Now.AddDays(2)), customer, customer.Reward("rwd_1")!).ShouldBeEmpty();
    }

    [Fact]
    public void A_reversal_after_expiry_does_not_bring_the_value_back()
    {
        var customer = Given(FirstSeen, Lapsed, Credit(1000));
        customer = Then(customer, Redeem(customer, "o1", 400));
        customer = Then(customer, LedgerDecider.Expire(customer, Expiry));

        var events = LedgerDecider.Decide(new ReverseRedemption("rwd_1", "red_o1", Expiry.AddDays(1)), customer, customer.Reward("rwd_1")!);
        customer = Then(customer, events);

        events.Select(e => e.GetType()).ShouldBe([typeof(RewardRedemptionReversed), typeof(RewardExpired)]);
        ((RewardExpired)events[1]).UnusedAmount.ShouldBe(400);
        customer.Balance.GetValueOrDefault("eur").ShouldBe(0);
    }

    [Fact]
    public void A_reversal_after_expiresAt_but_before_the_expiry_run_expires_the_rest_first_at_its_exact_time()
    {
        var customer = Given(FirstSeen, Lapsed, Credit(1000));
        customer = Then(customer, Redeem(customer, "o1", 300));
        var late = Expiry.AddSeconds(30);

        var events = LedgerDecider.Decide(new ReverseRedemption("rwd_1", "red_o1", late), customer, customer.Reward("rwd_1")!);

        events.ShouldBe([
            new RewardExpired("c1", "rwd_1", 700, "eur", Expiry),
            new RewardRedemptionReversed("c1", "rwd_1", "red_o1", late),
            new RewardExpired("c1", "rwd_1", 300, "eur", late),
        ]);
        Then(customer, events).Balance.GetValueOrDefault("eur").ShouldBe(0);
    }

    [Fact]
    public void Revoking_after_expiresAt_is_refused_as_expired_even_before_the_expiry_run()
    {
        var customer = Given(FirstSeen, Lapsed, Credit(1000));

        Should.Throw<DomainRuleViolated>(() => LedgerDecider.Decide(new RevokeReward("rwd_1", "late", Expiry), customer, customer.Reward("rwd_1")!))
            .Code.ShouldBe(LedgerDecider.RewardExpiredCode);
    }

    [Fact]
    public void Expiry_fires_at_expiresAt_with_the_unused_credit()
    {
        var customer = Given(FirstSeen, Lapsed, Credit(1000));
        customer = Then(customer, Redeem(customer, "o1", 250));

        LedgerDecider.Expire(customer, Expiry.AddTicks(-1)).ShouldBeEmpty();
        var expired = LedgerDecider.Expire(customer, Expiry.AddDays(3));

        expired.ShouldBe([new RewardExpired("c1", "rwd_1", 750, "eur", Expiry)]);
        Refused(() => Redeem(customer, "o2", 100, at: Expiry)).ShouldBe(LedgerDecider.RewardExpiredCode);
        Then(customer, expired).Balance.GetValueOrDefault("eur").ShouldBe(0);
    }

    [Fact]
    public void Revoking_takes_the_unused_credit_and_only_once()
    {
        var customer = Given(FirstSeen, Lapsed, Credit(1000));
        customer = Then(customer, Redeem(customer, "o1", 100));

        var revoked = LedgerDecider.Decide(new RevokeReward("rwd_1", "fraud", Now), customer, customer.Reward("rwd_1")!);
        customer = Then(customer, revoked);

        revoked.ShouldBe([new RewardRevoked("c1", "rwd_1", "fraud", 900, "eur", Now)]);
        customer.Balance.GetValueOrDefault("eur").ShouldBe(0);
        LedgerDecider.Decide(new RevokeReward("rwd_1", "again", Now), customer, customer.Reward("rwd_1")!).ShouldBeEmpty();
        Refused(() => Redeem(customer, "o2", 100)).ShouldBe(LedgerDecider.RewardRevokedCode);

        var expired = Then(Given(FirstSeen, Lapsed, Credit(1000)), [new RewardExpired("c1", "rwd_1", 1000, "eur", Expiry)]);
        Should.Throw<DomainRuleViolated>(() => LedgerDecider.Decide(new RevokeReward("rwd_1", "late", Expiry), expired, expired.Reward("rwd_1")!))
            .Kind.ShouldBe(Violation.Conflict);
    }

    [Fact]
    public void An_on_return_reward_is_pending_until_a_qualifying_activity_after_the_lapse()
    {
        var customer = Given(FirstSeen, Lapsed, Credit(1000, RewardGrant.OnReturn));
        customer.Reward("rwd_1")!.Status.ShouldBe(RewardStatus.Pending);
        customer.Balance.ShouldBeEmpty();
        Refused(() => Redeem(customer, "o1", 100)).ShouldBe(LedgerDecider.RewardPending);

        var login = new ActivityRecorded("c1", "act_1", ActivityType.Login, Now.AddDays(1), Now.AddDays(1), null, null, null, null, null);
        LedgerDecider.Reactivation(Then(customer, [login]), login).ShouldBeEmpty();
        var purchase = new ActivityRecorded("c1", "act_2", ActivityType.Purchase, Now.AddDays(2), Now.AddDays(2), new Money(900, "eur"), null, null, null, null);
        customer = Then(customer, [purchase]);
        customer.Status.ShouldBe(CustomerStatus.Lapsed);

        var back = LedgerDecider.Reactivation(customer, purchase);
        customer = Then(customer, back);

        back.ShouldBe([new CustomerReactivated("c1", "ep_1", "act_2", Now.AddDays(2), ActivityType.Purchase, new Money(900, "eur"))]);
        (customer.Status, customer.Episode).ShouldBe((CustomerStatus.WonBack, null));
        customer.Balance["eur"].ShouldBe(1000);
    }

    [Fact]
    public void Won_back_lasts_through_purchases_until_the_next_cancellation()
    {
        var back = Given(FirstSeen, Lapsed, new CustomerReactivated("c1", "ep_1", "act_2", Now));

        var bought = Customer.Evolve(back, new ActivityRecorded("c1", "act_3", ActivityType.Purchase, Now.AddDays(1), Now.AddDays(1), new Money(1, "eur"), null, null, null, null));
        var cancelled = Customer.Evolve(bought, new ActivityRecorded("c1", "act_4", ActivityType.SubscriptionCancelled, Now.AddDays(2), Now.AddDays(2), null, ChurnReason.Switched, null, null, null));

        bought.Status.ShouldBe(CustomerStatus.WonBack);
        (cancelled.Status, cancelled.ChurnReason).ShouldBe((CustomerStatus.Cancelled, ChurnReason.Switched));
    }

    [Fact]
    public void Rule_rewards_feed_the_cooldown_and_the_cap_and_manual_ones_do_not()
    {
        var manual = new RewardIssued("c1", "rwd_9", null, null, null, null, RewardType.AccountCredit, 500, "eur", null, null, null, null,
            Now.AddDays(1), Expiry, RewardGrant.Immediate, "goodwill");

        var customer = Given(FirstSeen, Lapsed, Credit(1000), manual);

        customer.LastRewardedAt.ShouldBe(Now);
        customer.RewardsByRule.ShouldBe(new Dictionary<string, int> { ["rule_1"] = 1 });
        customer.Balance["eur"].ShouldBe(1500);
    }

    [Fact]
    public void An_open_reward_is_noticed_once_when_its_expiry_comes_within_the_lead()
    {
        var lead = TimeSpan.FromDays(3);
        var customer = Given(FirstSeen, Lapsed, Credit(1000));
        LedgerDecider.NoticeExpiries(customer, Expiry - lead - TimeSpan.FromSeconds(1), lead).ShouldBeEmpty();
        customer = Then(customer, Redeem(customer, "A-1", 400));

        var noticed = LedgerDecider.NoticeExpiries(customer, Expiry - TimeSpan.FromDays(1), lead);
        noticed.ShouldBe([new RewardExpiryApproached("c1", "rwd_1", 600, "eur", Expiry, Expiry - lead)]);
        LedgerDecider.NoticeExpiries(Then(customer, noticed), Expiry - TimeSpan.FromHours(1), lead).ShouldBeEmpty();
    }

    [Fact]
    public void A_reward_issued_with_less_than_the_lead_left_is_noticed_at_issue_and_a_closed_one_never()
    {
        var lead = TimeSpan.FromDays(3);
        var shortLived = Credit(1000) with { ExpiresAt = Now.AddDays(1) };
        LedgerDecider.NoticeExpiries(Given(FirstSeen, Lapsed, shortLived), Now, lead).Cast<RewardExpiryApproached>().Single().NoticedAt.ShouldBe(Now);

        var customer = Given(FirstSeen, Lapsed, Credit(1000));
        var usedUp = Then(customer, Redeem(customer, "A-1", 1000));
        LedgerDecider.NoticeExpiries(usedUp, Expiry, lead).ShouldBeEmpty();
    }
}
