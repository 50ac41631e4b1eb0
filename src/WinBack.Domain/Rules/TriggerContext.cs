using WinBack.Domain.Risk;

namespace WinBack.Domain.Rules;

/// <summary>
/// What a trigger needs besides the customer: the tenant's purchase model in force. Without one (null) nobody is at risk,
/// since there is no P(alive) to fall below a threshold.
/// </summary>
public sealed record TriggerContext(BgNbdParameters? RiskModel)
{
    public const string RiskModelMissing = "risk_model";

    public static readonly TriggerContext None = new((BgNbdParameters?)null);

    /// <summary>What a rule with <paramref name="trigger"/> waits for before it can catch anyone here: risk_model, or null.</summary>
    public string? WaitingFor(Trigger trigger) => trigger.Type == TriggerType.AtRisk && RiskModel is null ? RiskModelMissing : null;
}
