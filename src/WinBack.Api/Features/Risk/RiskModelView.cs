using WinBack.Domain.Risk;

namespace WinBack.Api.Features.Risk;

/// <summary>The BG/NBD parameters: purchase rates are gamma(r, alpha) distributed, dropout probabilities beta(a, b).</summary>
/// <param name="Alpha">The scale of the purchase rates, in days.</param>
public sealed record RiskParametersView(double R, double Alpha, double A, double B)
{
    public static RiskParametersView Of(BgNbdParameters p) => new(p.R, p.Alpha, p.A, p.B);
}

/// <summary>A tenant's purchase model.</summary>
/// <param name="Status">The latest fit: fitted; insufficient_data (fewer than 500 purchasing customers or 100 repeat buyers: no
/// model, no scores); or failed (the optimiser did not converge: reason says why, and the previous model stays in force).</param>
/// <param name="Reason">Why the latest fit failed.</param>
/// <param name="CheckedAt">When the latest fit ran, on the tenant's clock.</param>
/// <param name="Customers">Purchasing customers the latest fit looked at.</param>
/// <param name="RepeatBuyers">Of those, customers with at least one repeat purchase.</param>
/// <param name="Parameters">The model in force (null when there is none).</param>
/// <param name="LogLikelihood">The model in force's log-likelihood over the customers it was fitted on.</param>
/// <param name="FittedAt">When the model in force was fitted, on the tenant's clock (its histories are measured to this time).</param>
/// <param name="Iterations">Optimiser iterations the model in force took.</param>
/// <param name="Calibration">The model in force against the data: customers with 0..6 and 7+ repeat purchases, actual and predicted.</param>
public sealed record RiskModelView(
    RiskModelStatus Status, string? Reason, DateTimeOffset CheckedAt, long Customers, long RepeatBuyers,
    RiskParametersView? Parameters, double? LogLikelihood, DateTimeOffset? FittedAt, int? Iterations,
    IReadOnlyList<CalibrationBucket> Calibration)
{
    public static RiskModelView Of(RiskModel model) => new(model.Status, model.Reason, model.CheckedAt, model.Population.Customers,
        model.Population.RepeatBuyers, model.InForce is { } m ? RiskParametersView.Of(m.Parameters) : null, model.InForce?.LogLikelihood,
        model.InForce?.FittedAt, model.InForce?.Iterations, model.InForce?.Calibration ?? []);

    public static readonly RiskModelView Example = new(RiskModelStatus.Fitted, null, DateTimeOffset.Parse("2026-11-24T09:30:02Z"), 23_570, 9_310,
        new RiskParametersView(0.2426, 30.895, 0.7929, 2.4259), -95_824.3, DateTimeOffset.Parse("2026-11-24T09:30:02Z"), 412,
        [new(0, 14_110, 14_260.3), new(1, 5_250, 5_171.2), new(2, 1_810, 1_857.0), new(3, 1_000, 898.4), new(4, 520, 495.9),
         new(5, 290, 297.2), new(6, 150, 188.6), new(7, 440, 401.4)]);
}

/// <summary>One fit of the tenant's model.</summary>
/// <param name="Status">fitted, insufficient_data or failed.</param>
/// <param name="At">When the fit ran, on the tenant's clock.</param>
/// <param name="Reason">Why it failed.</param>
public sealed record RiskModelHistoryEntry(RiskModelStatus Status, DateTimeOffset At, long Customers, long RepeatBuyers,
    RiskParametersView? Parameters, double? LogLikelihood, int? Iterations, string? Reason)
{
    public static RiskModelHistoryEntry Of(IRiskModelEvent e) => e switch
    {
        RiskModelFitted f => new(RiskModelStatus.Fitted, f.FittedAt, f.Population.Customers, f.Population.RepeatBuyers,
            RiskParametersView.Of(f.Parameters), f.LogLikelihood, f.Iterations, null),
        RiskModelFitFailed f => new(RiskModelStatus.Failed, f.FailedAt, f.Population.Customers, f.Population.RepeatBuyers, null, null, null, f.Reason),
        RiskModelInsufficientData i => new(RiskModelStatus.InsufficientData, i.CheckedAt, i.Population.Customers, i.Population.RepeatBuyers,
            null, null, null, null),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "Not a risk-model event."),
    };
}
