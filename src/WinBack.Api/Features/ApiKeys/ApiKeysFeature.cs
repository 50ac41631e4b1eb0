using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.ApiKeys;

public sealed class ApiKeysFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(options => options.Schema.For<ApiKey>().Duplicate(x => x.SecretHash));
        feature.Services.AddSingleton<IApiKeyDirectory, ApiKeyDirectory>();
    }
}
