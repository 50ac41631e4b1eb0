namespace WinBack.Domain.Risk;

/// <summary>Marks the events of a tenant's risk-model stream (one stream per tenant), so that they are stored and listed.</summary>
public interface IRiskModelEvent
{
    string ModelId { get; }
}

/// <summary>Customers with a given number of repeat purchases: how many there are, and how many the model expects (paper Figure 1).</summary>
/// <param name="Frequency">Repeat purchases; the last bucket (7) holds 7 or more.</param>
public sealed record CalibrationBucket(int Frequency, long ActualCustomers, double PredictedCustomers);

/// <summary>What a fit looked at: the purchasing customers and those with a repeat purchase.</summary>
public sealed record FitPopulation(long Customers, long RepeatBuyers);

/// <param name="FittedAt">The tenant's time the histories were measured at.</param>
public sealed record RiskModelFitted(
    string ModelId, BgNbdParameters Parameters, double LogLikelihood, FitPopulation Population, int Iterations,
    IReadOnlyList<CalibrationBucket> Calibration, DateTimeOffset FittedAt) : IRiskModelEvent;

/// <summary>The optimiser did not converge; the previous model stays in force.</summary>
public sealed record RiskModelFitFailed(string ModelId, string Reason, FitPopulation Population, DateTimeOffset FailedAt) : IRiskModelEvent;

/// <summary>Too few purchasing customers or repeat buyers to fit; no model, and no scores.</summary>
public sealed record RiskModelInsufficientData(string ModelId, FitPopulation Population, DateTimeOffset CheckedAt) : IRiskModelEvent;
