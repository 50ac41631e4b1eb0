using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

public sealed class ActivateRuleEndpoint(RuleWriter writer, TenantClock clock) : RuleStatusEndpoint(writer, clock)
{
    protected override string Verb => "activate";

    public override void Configure() => Configure("Activate a rule",
        "Starts a draft or resumes a paused rule: the lapse sweep applies it from its next run. Another active rule with the " +
        "same priority whose customers could also match this one's is a conflict.",
        new Dictionary<int, (string, ApiProblem)>
        {
            [409] = ("The rule is archived (`rule_archived`), or it would overlap an active rule with the same priority (`rule_overlap`; " +
                     "the detail names both rules).", RuleView.OverlapProblem),
        });

    protected override IReadOnlyList<IRuleEvent> Decide(Rule rule, string by, DateTimeOffset now) =>
        RuleDecider.Decide(new ActivateRule(by, now), rule);
}
