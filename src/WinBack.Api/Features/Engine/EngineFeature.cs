using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Engine;

/// <summary>The engine: lapse sweeps (scheduled and asked for), expiry and the report refresh, run by the workers; and the ticks a test clock passes when it is advanced.</summary>
public sealed class EngineFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(options =>
        {
            options.Schema.For<SweepJob>();
            options.Storage.ExtendedSchemaObjects.Add(SignalCrossings.Table());
            options.Storage.ExtendedSchemaObjects.Add(SignalCrossings.Marks());
        });
        feature.Services.AddSingleton<LapseSweep>();
        feature.Services.AddSingleton<EngineSignal>();
        // Advancing a test clock runs the ticks it passes, in the API process that was asked.
        if (feature.ServesApi)
            feature.Services.AddSingleton<TestClockRunner>();
        if (feature.RunsWorker)
            feature.Services.AddHostedService<EngineWorker>();
    }
}
