using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Tests.Customers;

public sealed class StripeSyncTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    private static Customer WithCredit() => new[]
    {
        (ICustomerEvent)new ActivityRecorded("c1", "act_1", ActivityType.Login, Now, Now, null, null, null, null, null),
        new RewardIssued("c1", "rwd_1", null, null, null, null, RewardType.AccountCredit, 1000, "eur", null, null, null, null, Now, Now.AddDays(30),
            RewardGrant.Immediate, "goodwill"),
    }.Aggregate((Customer?)null, (s, e) => Customer.Evolve(s, e))!;

    [Fact]
    public void A_sync_is_recorded_once_per_action_so_a_retry_after_a_crash_adds_nothing()
    {
        var synced = new RewardSyncedToStripe("c1", "rwd_1", StripeSyncAction.Credit, "cbtxn_1", null, Now);
        var customer = WithCredit();
        LedgerDecider.RecordStripeSync(customer, synced).ShouldBe([synced]);
        customer = Customer.Evolve(customer, synced);
        LedgerDecider.RecordStripeSync(customer, synced with { SyncedAt = Now.AddMinutes(1) }).ShouldBeEmpty();
        LedgerDecider.RecordStripeSync(customer, synced with { Action = StripeSyncAction.Reversal, StripeObjectId = "cbtxn_2" }).ShouldHaveSingleItem();
        LedgerDecider.RecordStripeSync(customer, synced with { RewardId = "rwd_unknown" }).ShouldBeEmpty();
    }

    [Fact]
    public void A_failure_is_recorded_once_and_never_after_a_success()
    {
        var failed = new RewardStripeSyncFailed("c1", "rwd_1", StripeSyncAction.Credit, "No such customer", Now);
        var customer = WithCredit();
        LedgerDecider.RecordStripeSyncFailure(customer, failed).ShouldBe([failed]);
        LedgerDecider.RecordStripeSyncFailure(Customer.Evolve(customer, failed), failed).ShouldBeEmpty();
        var synced = Customer.Evolve(customer, new RewardSyncedToStripe("c1", "rwd_1", StripeSyncAction.Credit, "cbtxn_1", null, Now));
        LedgerDecider.RecordStripeSyncFailure(synced, failed).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("too_expensive", ChurnReason.TooExpensive)]
    [InlineData("missing_features", ChurnReason.MissingFeatures)]
    [InlineData("switched_service", ChurnReason.Switched)]
    [InlineData("unused", ChurnReason.Forgot)]
    [InlineData("customer_service", ChurnReason.BadExperience)]
    [InlineData("low_quality", ChurnReason.BadExperience)]
    [InlineData("too_complex", ChurnReason.TooComplex)]
    [InlineData("other", ChurnReason.Other)]
    [InlineData("something_new", ChurnReason.Other)]
    public void Stripe_feedback_maps_onto_churn_reasons(string feedback, ChurnReason reason) =>
        StripeChurnReasons.Of(feedback).ShouldBe(reason);

    [Fact]
    public void No_feedback_is_no_churn_reason() => StripeChurnReasons.Of(null).ShouldBeNull();
}
