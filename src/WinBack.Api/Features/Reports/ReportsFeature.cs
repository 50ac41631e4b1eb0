using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Reports;

public sealed class ReportsFeature : IFeature
{
    public void Register(FeatureContext feature) => feature.Store(LapseEpisodeTable.Configure);
}
