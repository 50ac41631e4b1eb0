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
        // Tenant data, read by every sweep (its time zone): registered so that each shard has its table before any move copies it.
        feature.Store(options => options.Schema.For<TenantSettings>());
        if (feature.ServesApi && feature.Environment.IsDevelopment())
            feature.Services.AddHostedService<DevelopmentStartup>();
    }
}
