using JasperFx.Events.Projections;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Reports;

public sealed class ReportsFeature : IFeature
{
    public void Register(FeatureContext feature) => feature.Store(options =>
    {
        LapseEpisodeTable.Configure(options);
        RewardLiabilityTable.Configure(options);
        options.Schema.For<CustomerEpisodes>();
        // Async: the workers' daemon writes the report tables off the write path; `projections rebuild` replays them.
        options.Projections.Add(new ReportProjection(), ProjectionLifecycle.Async);
    });
}
