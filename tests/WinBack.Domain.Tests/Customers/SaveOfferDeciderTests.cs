using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Tests.Customers;

public sealed class SaveOfferDeciderTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-24T09:00:00Z");
    private const string Tenant = "ten_1";

    private static RewardSpec Pause(int days = 30) => new(RewardType.Pause, null, null, null, null, null, days, RewardGrant.Immediate, days);
    private static RewardSpec Trial(int days = 14) => new(RewardType.TrialExtension, null, null, null, null, null, days, RewardGrant.Immediate, days);

    private static ActiveRule Rule(RewardSpec? reward = null, IReadOnlyList<ChurnReason>? reasons = null, int? cooldown = null, int holdout = 0,
        string id = "rule_save") =>
        new(id, 1, new RuleDefinition("save", 10, new Trigger(TriggerType.CancellationIntent, 0, []),
            Eligibility.Everyone with { ChurnReasons = reasons ?? [] }, reward ?? Pause(), new Limits(null, null, null, cooldown),
            holdout > 0 ? new Experiment(holdout, []) : null, null, RuleDefinition.DefaultAttributionDays), new BudgetMeter(Limits.None, null, null));

    private static Customer Given(string id = "c1", params ICustomerEvent[] events) =>
        events.Aggregate(Customer.Evolve(null, Activity(id, ActivityType.Login, Now.AddDays(-200))), Customer.Evolve);

    private static ActivityRecorded Activity(string customer, ActivityType type, DateTimeOffset at) =>
        new(customer, $"act_{type}_{at.ToUnixTimeSeconds()}", type, at, at, type == ActivityType.Purchase ? new Money(2000, "eur") : null,
            type == ActivityType.SubscriptionCancelled ? ChurnReason.TooExpensive : null, null, null, null);

    private static Customer Then(Customer state, IEnumerable<ICustomerEvent> events) => events.Aggregate(state, Customer.Evolve);

    private static PresentSaveOffer Ask(DateTimeOffset at, ChurnReason reason = ChurnReason.TooExpensive, string offer = "sof_1", params ActiveRule[] rules) =>
        new(Tenant, offer, "sub_1", reason, rules, at);

    private static Customer Accepted(Customer customer, DateTimeOffset at, ActiveRule rule, string offer = "sof_1")
    {
        customer = Then(customer, SaveOfferDecider.Decide(Ask(at, offer: offer, rules: rule), customer));
        return Then(customer, SaveOfferDecider.Decide(new AcceptSaveOffer(offer, $"rwd_{offer}", false, at), customer, customer.SaveOffer(offer)!));
    }

    [Fact]
    public void The_offer_comes_from_the_rule_whose_churn_reasons_match_the_stated_reason()
    {
        var customer = Given();
        var rules = new[] { Rule(Trial(), [ChurnReason.MissingFeatures], id: "rule_features"), Rule(Pause(), [ChurnReason.TooExpensive, ChurnReason.Unused], id: "rule_price") };

        var presented = SaveOfferDecider.Decide(Ask(Now, ChurnReason.Unused, rules: rules), customer).ShouldHaveSingleItem().ShouldBeOfType<SaveOfferPresented>();
        (presented.RuleId, presented.Offer!.Type, presented.Withheld).ShouldBe(("rule_price", RewardType.Pause, (WithheldReason?)null));

        var none = SaveOfferDecider.Decide(Ask(Now, ChurnReason.LowQuality, rules: rules), customer).ShouldHaveSingleItem().ShouldBeOfType<SaveOfferPresented>();
        (none.RuleId, none.Offer).ShouldBe((null, null));
        SaveOfferState.Of(none, new Dictionary<string, long>()).Status.ShouldBe(SaveOfferStatus.None);
    }

    [Fact]
    public void A_holdout_customer_gets_no_offer_and_is_settled_for_comparison()
    {
        var rule = Rule(holdout: 50);
        var id = Enumerable.Range(0, 200).Select(i => $"c{i}").First(c => ExperimentAssignment.Assign(Tenant, rule.Id, c, rule.Definition) == Variant.Holdout);
        var customer = Given(id);

        var presented = SaveOfferDecider.Decide(Ask(Now, rules: rule), customer).ShouldHaveSingleItem().ShouldBeOfType<SaveOfferPresented>();
        (presented.Offer, presented.Withheld, presented.Variant).ShouldBe((null, WithheldReason.Holdout, Variant.Holdout));
        customer = Then(customer, [presented]);
        Should.Throw<DomainRuleViolated>(() => SaveOfferDecider.Decide(new AcceptSaveOffer("sof_1", "rwd_1", false, Now), customer, customer.SaveOffer("sof_1")!))
            .Code.ShouldBe(SaveOfferDecider.NotOpen);

        SaveOfferDecider.Settle(customer, Now.AddDays(29)).ShouldBeEmpty();
        var retained = SaveOfferDecider.Settle(customer, Now.AddDays(30)).ShouldHaveSingleItem().ShouldBeOfType<SaveOfferValidated>();
        (retained.ValidatedAt, retained.Holdout).ShouldBe((Now.AddDays(30), true));
    }

    [Fact]
    public void Accepting_issues_the_pause_once_and_a_second_accept_is_refused()
    {
        var customer = Given();
        customer = Then(customer, SaveOfferDecider.Decide(Ask(Now, rules: Rule(Pause(30))), customer));

        var events = SaveOfferDecider.Decide(new AcceptSaveOffer("sof_1", "rwd_1", true, Now), customer, customer.SaveOffer("sof_1")!);

        var issued = events[0].ShouldBeOfType<RewardIssued>();
        (issued.Type, issued.Days, issued.RuleId, issued.ExpiresAt).ShouldBe((RewardType.Pause, 30, "rule_save", Now.AddDays(30)));
        var accepted = events[1].ShouldBeOfType<SaveOfferAccepted>();
        (accepted.EndsAt, accepted.ValidatesAt, accepted.PushedToStripe, accepted.SubscriptionId).ShouldBe((Now.AddDays(30), Now.AddDays(30), true, "sub_1"));
        customer = Then(customer, events);
        customer.Reward("rwd_1")!.Status.ShouldBe(RewardStatus.Redeemed); // applied when given; nothing to redeem or expire
        Should.Throw<DomainRuleViolated>(() => SaveOfferDecider.Decide(new AcceptSaveOffer("sof_1", "rwd_2", true, Now), customer, customer.SaveOffer("sof_1")!))
            .Code.ShouldBe(SaveOfferDecider.AlreadyAccepted);
    }

    [Fact]
    public void Asking_again_while_an_offer_awaits_its_answer_makes_no_second_offer_and_a_decline_is_recorded_once()
    {
        var customer = Given();
        customer = Then(customer, SaveOfferDecider.Decide(Ask(Now, rules: Rule()), customer));
        SaveOfferDecider.Decide(Ask(Now.AddMinutes(1), offer: "sof_2", rules: Rule()), customer).ShouldBeEmpty();

        customer = Then(customer, [SaveOfferDecider.Decide(new DeclineSaveOffer("sof_1", Now), customer, customer.SaveOffer("sof_1")!).ShouldHaveSingleItem()]);
        SaveOfferDecider.Decide(new DeclineSaveOffer("sof_1", Now), customer, customer.SaveOffer("sof_1")!).ShouldBeEmpty();
        SaveOfferDecider.Decide(Ask(Now.AddMinutes(2), offer: "sof_3", rules: Rule()), customer).ShouldHaveSingleItem();
    }

    [Fact]
    public void A_second_save_within_the_cooldown_counted_from_the_pause_end_is_withheld()
    {
        var rule = Rule(Pause(30), cooldown: 60);
        var customer = Accepted(Given(), Now, rule);

        // The pause ends at +30, so the cap lasts until +90, not +60.
        var early = SaveOfferDecider.Decide(Ask(Now.AddDays(80), offer: "sof_2", rules: rule), customer).ShouldHaveSingleItem().ShouldBeOfType<SaveOfferPresented>();
        (early.Offer, early.Withheld).ShouldBe((null, WithheldReason.Cooldown));
        SaveOfferState.Of(early, new Dictionary<string, long>()).Status.ShouldBe(SaveOfferStatus.Withheld);
        var later = SaveOfferDecider.Decide(Ask(Now.AddDays(90), offer: "sof_3", rules: rule), customer).ShouldHaveSingleItem().ShouldBeOfType<SaveOfferPresented>();
        later.Offer.ShouldNotBeNull();
    }

    [Fact]
    public void A_pause_is_saved_once_30_days_passed_and_a_payment_came_after_its_end()
    {
        var customer = Accepted(Given(), Now, Rule(Pause(45)));

        SaveOfferDecider.Settle(customer, Now.AddDays(44)).ShouldBeEmpty();
        SaveOfferDecider.Settle(customer, Now.AddDays(50)).ShouldBeEmpty(); // due at the pause end, but no payment yet
        customer = Then(customer, [Activity("c1", ActivityType.Purchase, Now.AddDays(47))]);

        var saved = SaveOfferDecider.Settle(customer, Now.AddDays(50)).ShouldHaveSingleItem().ShouldBeOfType<SaveOfferValidated>();
        (saved.ValidatedAt, saved.Holdout).ShouldBe((Now.AddDays(47), false));
        saved.RevenueKept.ShouldBe(new Dictionary<string, long> { ["eur"] = 2000 });
        Then(customer, [saved]).SaveOffer("sof_1")!.Status.ShouldBe(SaveOfferStatus.Saved);
        SaveOfferDecider.Settle(Then(customer, [saved]), Now.AddDays(60)).ShouldBeEmpty();
    }

    [Fact]
    public void A_cancellation_before_validation_loses_the_save()
    {
        var customer = Accepted(Given(), Now, Rule(Trial(14)));
        customer = Then(customer, [Activity("c1", ActivityType.SubscriptionCancelled, Now.AddDays(20))]);

        var lost = SaveOfferDecider.Settle(customer, Now.AddDays(30)).ShouldHaveSingleItem().ShouldBeOfType<SaveOfferLost>();
        lost.CancelledAt.ShouldBe(Now.AddDays(20));
    }
}
