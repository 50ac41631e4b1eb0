using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

public sealed class PauseRuleEndpoint(RuleWriter writer, TenantClock clock) : RuleStatusEndpoint(writer, clock)
{
    protected override string Verb => "pause";

    public override void Configure() => Configure("Pause a rule",
        "Stops the sweep from applying an active rule; rewards already issued stay valid. Activate it again to resume.",
        new Dictionary<int, (string, ApiProblem)>
        {
            [409] = ("The rule is a draft that never ran (`rule_not_active`) or is archived (`rule_archived`).",
                ProblemMapping.FromException(RuleDecider.DraftCannotPause())),
        });

    protected override IReadOnlyList<IRuleEvent> Decide(Rule rule, string by, DateTimeOffset now) =>
        RuleDecider.Decide(new PauseRule(by, now), rule);
}
