using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Tenants;

public sealed class TenantsFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        // Platform data: a tenant lives in the master database, outside any shard.
        feature.PlatformTable(TenantStore.Table());
        feature.Services.AddSingleton<TenantStore>();
        feature.Services.AddSingleton<TenantPlacement>();
        if (feature.ServesApi && feature.Environment.IsDevelopment())
            feature.Services.AddHostedService<DevelopmentStartup>();
    }
}
