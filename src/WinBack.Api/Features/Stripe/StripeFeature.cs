using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Secrets;

namespace WinBack.Api.Features.Stripe;

public sealed class StripeFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(options =>
        {
            options.Schema.For<StripeConnection>();
            StripeTables.Configure(options);
        });
        feature.Marten(marten => marten.AddSubscriptionWithServices<StripeOutbox>(ServiceLifetime.Singleton));
        feature.Services.AddSecretProtector<StripeSecrets>();
        feature.Services.AddSingleton<StripeClients>();
        feature.Services.AddSingleton<StripeInbound>();
        if (feature.RunsWorker)
            feature.Services.AddHostedService<StripeSyncWorker>();
    }
}
