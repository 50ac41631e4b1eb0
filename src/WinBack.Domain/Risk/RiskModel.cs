namespace WinBack.Domain.Risk;

public enum RiskModelStatus { Fitted, InsufficientData, Failed }

/// <summary>
/// A tenant's purchase model, folded from its stream: the outcome of the latest fit, and the model in force. A failed fit
/// keeps the previous model in force; too little data removes it (no score is made up).
/// </summary>
public sealed record RiskModel
{
    /// <summary>The one stream per tenant. Customer ids cannot hold '/', so no customer stream can take this id.</summary>
    public const string StreamId = "risk/model";

    public required RiskModelStatus Status { get; init; }
    public required FitPopulation Population { get; init; }
    public required DateTimeOffset CheckedAt { get; init; }
    /// <summary>Why the latest fit failed.</summary>
    public string? Reason { get; init; }
    /// <summary>The model in force: the latest successful fit, unless data became insufficient since.</summary>
    public RiskModelFitted? InForce { get; init; }

    public static RiskModel? Evolve(RiskModel? state, IRiskModelEvent @event) => @event switch
    {
        RiskModelFitted e => new RiskModel { Status = RiskModelStatus.Fitted, Population = e.Population, CheckedAt = e.FittedAt, InForce = e },
        RiskModelFitFailed e => new RiskModel
        {
            Status = RiskModelStatus.Failed, Population = e.Population, CheckedAt = e.FailedAt, Reason = e.Reason, InForce = state?.InForce,
        },
        RiskModelInsufficientData e => new RiskModel { Status = RiskModelStatus.InsufficientData, Population = e.Population, CheckedAt = e.CheckedAt },
        _ => state,
    };
}
