using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using WinBack.Domain.Webhooks;

namespace WinBack.Domain.Tests.Webhooks;

public sealed class WebhookEventTypesTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2027-01-01T00:00:00Z");

    [Fact]
    public void Consumers_see_the_types_in_the_order_the_docs_list_them()
    {
        WebhookEventTypes.Subscribable.ShouldBe([
            WebhookEventTypes.CustomerLapsed, WebhookEventTypes.RewardIssued, WebhookEventTypes.RewardRedeemed, WebhookEventTypes.RewardExpiringSoon,
            WebhookEventTypes.RewardExpired, WebhookEventTypes.RewardRevoked, WebhookEventTypes.CustomerReactivated, WebhookEventTypes.RuleUpdated,
            WebhookEventTypes.SaveOfferPresented, WebhookEventTypes.SaveOfferAccepted, WebhookEventTypes.SaveOfferDeclined, WebhookEventTypes.SaveOfferSaved,
        ]);
    }

    [Fact]
    public void Every_rule_event_is_a_rule_update_and_the_outbox_reads_it()
    {
        var ruleEvents = DomainEvents.All.Where(t => typeof(IRuleEvent).IsAssignableFrom(t)).ToList();
        ruleEvents.Count.ShouldBeGreaterThan(0);
        ruleEvents.ShouldAllBe(t => WebhookEventTypes.Published.Contains(t));
        WebhookEventTypes.Of(new RuleActivated("rule_1", "key_1", At)).ShouldBe(WebhookEventTypes.RuleUpdated);
    }

    [Fact]
    public void A_stripe_push_is_announced_only_for_a_discount_and_activity_is_not_published()
    {
        WebhookEventTypes.Of(new RewardSyncedToStripe("c1", "rwd_1", StripeSyncAction.Discount, "promo_1", "WB-1", At)).ShouldBe(WebhookEventTypes.RewardIssued);
        WebhookEventTypes.Of(new RewardSyncedToStripe("c1", "rwd_1", StripeSyncAction.Credit, "cbtxn_1", null, At)).ShouldBeNull();
        WebhookEventTypes.Of(new RewardStripeSyncFailed("c1", "rwd_1", StripeSyncAction.Discount, "refused", At)).ShouldBe(WebhookEventTypes.RewardIssued);
        WebhookEventTypes.Of(new RewardStripeSyncFailed("c1", "rwd_1", StripeSyncAction.Reversal, "refused", At)).ShouldBeNull();
        WebhookEventTypes.Published.ShouldNotContain(typeof(ActivityRecorded));
    }
}
