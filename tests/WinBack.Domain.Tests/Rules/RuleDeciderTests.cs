using WinBack.Domain.Common;
using WinBack.Domain.Rules;
using static WinBack.Domain.Tests.Rules.RuleSpecs;

namespace WinBack.Domain.Tests.Rules;

public sealed class RuleDeciderTests
{
    [Fact]
    public void A_new_rule_is_a_draft_at_version_1()
    {
        var created = RuleDecider.Decide(new CreateRule("rule_1", Definition(), Admin, Now));

        var rule = Fold(created);
        rule.Status.ShouldBe(RuleStatus.Draft);
        rule.Version.ShouldBe(1);
        rule.CreatedAt.ShouldBe(Now);
    }

    [Theory]
    [InlineData(RuleStatus.Draft, RuleStatus.Active)]
    [InlineData(RuleStatus.Paused, RuleStatus.Active)]
    public void Activate_starts_a_draft_or_resumes_a_paused_rule(RuleStatus from, RuleStatus to)
    {
        var events = RuleDecider.Decide(new ActivateRule(Admin, Now), InStatus(from));

        events.ShouldBe([new RuleActivated("rule_1", Admin, Now)]);
        Fold([.. History(from), .. events]).Status.ShouldBe(to);
    }

    [Fact]
    public void Pause_stops_an_active_rule()
    {
        RuleDecider.Decide(new PauseRule(Admin, Now), InStatus(RuleStatus.Active)).ShouldBe([new RulePaused("rule_1", Admin, Now)]);
    }

    [Theory]
    [InlineData(RuleStatus.Draft)]
    [InlineData(RuleStatus.Active)]
    [InlineData(RuleStatus.Paused)]
    public void Any_rule_that_is_not_archived_can_be_archived(RuleStatus from)
    {
        RuleDecider.Decide(new ArchiveRule(Admin, Now), InStatus(from)).ShouldBe([new RuleArchived("rule_1", Admin, Now)]);
    }

    [Fact]
    public void Asking_for_the_current_status_again_changes_nothing()
    {
        RuleDecider.Decide(new ActivateRule(Admin, Now), InStatus(RuleStatus.Active)).ShouldBeEmpty();
        RuleDecider.Decide(new PauseRule(Admin, Now), InStatus(RuleStatus.Paused)).ShouldBeEmpty();
        RuleDecider.Decide(new ArchiveRule(Admin, Now), InStatus(RuleStatus.Archived)).ShouldBeEmpty();
    }

    [Fact]
    public void A_draft_cannot_be_paused()
    {
        var refused = Should.Throw<DomainRuleViolated>(() => RuleDecider.Decide(new PauseRule(Admin, Now), InStatus(RuleStatus.Draft)));

        refused.Code.ShouldBe(RuleDecider.NotActiveCode);
        refused.Kind.ShouldBe(Violation.Conflict);
    }

    [Fact]
    public void An_archived_rule_is_read_only()
    {
        var archived = InStatus(RuleStatus.Archived);

        Should.Throw<DomainRuleViolated>(() => RuleDecider.Decide(new ActivateRule(Admin, Now), archived)).Code.ShouldBe(RuleDecider.ArchivedCode);
        Should.Throw<DomainRuleViolated>(() => RuleDecider.Decide(new PauseRule(Admin, Now), archived)).Code.ShouldBe(RuleDecider.ArchivedCode);
        Should.Throw<DomainRuleViolated>(() => RuleDecider.Decide(new ReviseRule(1, Definition(), Admin, Now), archived))
            .Code.ShouldBe(RuleDecider.ArchivedCode);
    }

    [Fact]
    public void A_revision_is_a_new_version_and_keeps_the_status()
    {
        var active = InStatus(RuleStatus.Active);
        var revised = Definition(priority: 20);

        var events = RuleDecider.Decide(new ReviseRule(1, revised, Admin, Now), active);

        events.ShouldBe([new RuleRevised("rule_1", 2, revised, Admin, Now)]);
        var rule = Fold([.. History(RuleStatus.Active), .. events]);
        (rule.Version, rule.Status, rule.Definition, rule.UpdatedAt).ShouldBe((2, RuleStatus.Active, revised, Now));
    }

    [Fact]
    public void A_revision_of_an_older_version_is_refused()
    {
        var rule = Fold([.. History(RuleStatus.Draft), new RuleRevised("rule_1", 2, Definition(), Admin, Now)]);

        var refused = Should.Throw<DomainRuleViolated>(() => RuleDecider.Decide(new ReviseRule(1, Definition(priority: 3), Admin, Now), rule));

        (refused.Code, refused.Kind).ShouldBe((RuleDecider.VersionMismatchCode, Violation.StaleVersion));
        refused.Message.ShouldContain("If-Match: \"2\"");
    }

    [Fact]
    public void Status_changes_keep_the_version()
    {
        InStatus(RuleStatus.Paused).Version.ShouldBe(1);
    }
}
