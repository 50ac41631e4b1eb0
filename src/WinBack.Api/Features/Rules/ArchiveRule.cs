using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

public sealed class ArchiveRuleEndpoint(RuleWriter writer, TenantClock clock) : RuleStatusEndpoint(writer, clock)
{
    protected override string Verb => "archive";

    public override void Configure() => Configure("Archive a rule",
        "Retires a rule for good: it stops running, and it can no longer be revised, activated or paused. Rewards already issued " +
        "stay valid, and the rule stays readable for reports.",
        new Dictionary<int, (string, ApiProblem)>());

    protected override IReadOnlyList<IRuleEvent> Decide(Rule rule, string by, DateTimeOffset now) =>
        RuleDecider.Decide(new ArchiveRule(by, now), rule);
}
