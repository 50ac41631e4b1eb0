using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Tenants;

public sealed class TenantsFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        // Platform-level document: a tenant lives outside any tenant's data.
        feature.Store(options => options.Schema.For<Tenant>().SingleTenanted());
        if (feature.ServesApi && feature.Environment.IsDevelopment())
            feature.Services.AddHostedService<DevelopmentStartup>();
    }
}
