using JasperFx.Events.Projections;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Rules;

public sealed class RulesFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(options =>
        {
            options.Projections.Add<RuleSummaryProjection>(ProjectionLifecycle.Inline);
            options.Schema.For<BacktestJob>();
        });
        feature.Services.AddSingleton<BacktestSignal>();
        if (feature.ServesApi)
            feature.Services.AddScoped<RuleWriter>();
        // Backtests are queued through the API and run by the worker.
        if (feature.RunsWorker)
        {
            feature.Services.AddSingleton<BacktestRunner>();
            feature.Services.AddHostedService<BacktestWorker>();
        }
    }
}
