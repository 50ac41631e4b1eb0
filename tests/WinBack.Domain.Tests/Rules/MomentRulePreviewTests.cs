using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using static WinBack.Domain.Tests.Rules.RuleSpecs;

namespace WinBack.Domain.Tests.Rules;

/// <summary>Moment rules beside win-back rules: they never overlap, and a preview counts their due moments, lapsed customers included.</summary>
public sealed class MomentRulePreviewTests
{
    private static RuleDefinition Welcome(int priority = 10) =>
        Definition(priority: priority, days: 0, trigger: TriggerType.Welcome);

    [Fact]
    public void A_moment_rule_overlaps_no_rule_of_the_same_priority()
    {
        RuleOverlap.Overlaps(Welcome(), Definition()).ShouldBeFalse();
        RuleOverlap.Overlaps(Welcome(), Welcome()).ShouldBeFalse();
        RuleOverlap.Overlaps(Definition(), Definition()).ShouldBeTrue();
    }

    [Fact]
    public void A_moment_preview_counts_due_moments_of_lapsed_customers_too_and_ignores_win_back_rules_of_higher_priority()
    {
        var since = Now.AddDays(-30);
        var fresh = Customer("fresh", Now.AddDays(-1)) with { FirstSeenAt = Now.AddDays(-2) };
        var lapsed = Customer("lapsed", Now.AddDays(-1)) with { FirstSeenAt = Now.AddDays(-3), Status = CustomerStatus.Lapsed };
        var old = Customer("old", Now.AddDays(-1)); // first seen 500 days ago, before the rule
        var winBack = Definition(priority: 100, days: 0);

        var result = RulePreview.Run("ten_1", "rule_w", Welcome(), [fresh, lapsed, old], [("rule_i", winBack)], Now,
            context: TriggerContext.None.ForRule("rule_w", since));

        result.Lapsed.ShouldBe(2);
        result.Excluded.HigherPriorityRule.ShouldBe(0);
        result.Rewarded.ShouldBe(2);
        result.Cost.ShouldBe([new Money(2000, "eur")]);
    }
}
