using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Telemetry;

namespace WinBack.Api.Features.Platform;

public sealed class PlatformFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Services.AddSingleton<PlatformStatusReader>();
        feature.Services.AddSingleton<IQueueGauges, QueueGauges>();
    }
}
