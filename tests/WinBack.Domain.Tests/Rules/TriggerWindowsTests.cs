using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using static WinBack.Domain.Tests.Rules.RuleSpecs;

namespace WinBack.Domain.Tests.Rules;

public sealed class TriggerWindowsTests
{
    public static TheoryData<TriggerType> Types => new(Enum.GetValues<TriggerType>());

    // Types whose crossing is a window of days; at_risk's candidates come from stored crossings instead (RiskCrossings), and
    // cancellation_intent's window catches nobody (it is asked, not swept).
    public static TheoryData<TriggerType> WindowTypes => new(Enum.GetValues<TriggerType>()
        .Where(t => TriggerWindows.Of(t)!.Crossing is null && TriggerWindows.Of(t)!.Statuses.Count > 0));

    [Fact]
    public void A_cancellation_intent_rule_catches_nobody_in_a_sweep()
    {
        var trigger = new Trigger(TriggerType.CancellationIntent, 0, []);
        RuleAudience.CrossingAt(trigger, 0, Customer("cancelled", Now.AddDays(-400), orders: 3) with { Status = CustomerStatus.Cancelled }).ShouldBeNull();
        TriggerWindows.Of(TriggerType.CancellationIntent)!.Statuses.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Every_trigger_type_has_a_window(TriggerType type) => TriggerWindows.Of(type).ShouldNotBeNull();

    // The store reads only the customers the bound lets through: it must let through everyone the domain would catch.
    [Theory]
    [MemberData(nameof(WindowTypes))]
    public void The_stored_bound_never_leaves_out_a_customer_whose_window_has_opened(TriggerType type)
    {
        var window = TriggerWindows.Of(type)!;
        IReadOnlyList<ActivityType>[] subsets = [[], [ActivityType.Purchase], [ActivityType.Login], [ActivityType.Login, ActivityType.Purchase]];
        var customers = new[]
        {
            Customer("browser", Now.AddDays(-40)),
            Customer("buyer", Now.AddDays(-40), orders: 2),
            Customer("cancelled", Now.AddDays(-40), orders: 1) with { Status = CustomerStatus.Cancelled, StatusChangedAt = Now.AddDays(-20) },
            Customer("logs in", Now.AddDays(-3)) with
            {
                LastActivityByType = new Dictionary<ActivityType, DateTimeOffset> { [ActivityType.Login] = Now.AddDays(-3) },
            },
        };
        var checkedOne = false;
        foreach (var types in subsets)
        {
            var trigger = new Trigger(type, 30, types);
            foreach (var by in new[] { Now.AddDays(-30), Now.AddDays(-10), Now })
            {
                var bound = window.OpenedBy(trigger, by)?.Compile();
                foreach (var customer in customers.Where(c => window.OpensAt(trigger, c) <= by && window.Statuses.Contains(c.Status)))
                {
                    checkedOne = true;
                    (bound?.Invoke(customer) ?? true).ShouldBeTrue($"{type} {string.Join(",", types)} {customer.Id} by {by:O}");
                }
            }
        }
        checkedOne.ShouldBeTrue();
    }
}
