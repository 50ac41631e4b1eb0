using WinBack.Domain.Risk;

namespace WinBack.Domain.Rules;

/// <summary>
/// What a trigger needs besides the customer: the tenant's purchase model in force (without one, null, nobody is at risk),
/// the tenant's time zone (birthdays and anniversaries fall on its calendar days), and for moment triggers the rule whose
/// moments are counted (<see cref="RuleId"/>: a moment it already fired does not come again) and since when it can fire
/// (<see cref="Since"/>: moments before a rule was active are not its to fire).
/// </summary>
public sealed record TriggerContext(BgNbdParameters? RiskModel)
{
    public const string RiskModelMissing = "risk_model";

    public static readonly TriggerContext None = new((BgNbdParameters?)null);

    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;
    public string? RuleId { get; init; }
    public DateTimeOffset? Since { get; init; }

    /// <summary>The context for one rule's moments.</summary>
    public TriggerContext ForRule(string ruleId, DateTimeOffset? since) => this with { RuleId = ruleId, Since = since };

    /// <summary>What a rule with <paramref name="trigger"/> waits for before it can catch anyone here: risk_model, or null.</summary>
    public string? WaitingFor(Trigger trigger) => trigger.Type == TriggerType.AtRisk && RiskModel is null ? RiskModelMissing : null;
}
