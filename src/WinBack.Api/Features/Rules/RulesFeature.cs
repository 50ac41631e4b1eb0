using JasperFx.Events.Projections;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Rules;

public sealed class RulesFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(options => options.Projections.Add<RuleSummaryProjection>(ProjectionLifecycle.Inline));
        if (feature.ServesApi)
            feature.Services.AddScoped<RuleWriter>();
    }
}
