using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Risk;

/// <summary>The per-tenant BG/NBD purchase model: its stream, the refit jobs, and the worker loop that fits.</summary>
public sealed class RiskFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(options =>
        {
            options.Schema.For<RiskRefitJob>();
            options.Schema.For<ActiveRiskRefit>();
            options.Storage.ExtendedSchemaObjects.Add(RiskCrossings.Table());
            options.Storage.ExtendedSchemaObjects.Add(RiskCrossings.Marks());
        });
        feature.Services.AddSingleton<RiskCrossings>();
        feature.Services.AddSingleton<RiskModels>();
        feature.Services.AddSingleton<CustomerRisks>();
        feature.Services.AddSingleton<RiskSignal>();
        if (feature.RunsWorker)
            feature.Services.AddHostedService<RiskWorker>();
    }
}
