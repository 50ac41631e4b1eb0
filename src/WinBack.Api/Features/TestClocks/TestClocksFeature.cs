using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.TestClocks;

public sealed class TestClocksFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(options => options.Schema.For<TestClock>());
        feature.Services.AddSingleton<TenantClock>();
    }
}
