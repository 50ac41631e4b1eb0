using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Engine;

/// <summary>The engine: lapse sweeps (scheduled and asked for), expiry and the report refresh, run by the workers.</summary>
public sealed class EngineFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(options => options.Schema.For<SweepJob>().SingleTenanted());
        feature.Services.AddSingleton<LapseSweep>();
        feature.Services.AddSingleton<EngineSignal>();
        if (feature.RunsWorker)
            feature.Services.AddHostedService<EngineWorker>();
    }
}
