using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Rewards;

public sealed class RewardsFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(RewardRecordProjection.Configure);
        feature.Services.AddSingleton<RewardExpiry>();
        if (feature.ServesApi)
            feature.Services.AddScoped<RewardLedger>();
    }
}
