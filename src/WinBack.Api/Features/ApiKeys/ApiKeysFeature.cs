using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.ApiKeys;

public sealed class ApiKeysFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.PlatformTable(ApiKeyStore.Table());
        feature.Services.AddSingleton<ApiKeyStore>();
        feature.Services.AddSingleton<IApiKeyDirectory, ApiKeyDirectory>();
    }
}
