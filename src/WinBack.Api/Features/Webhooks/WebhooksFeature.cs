using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.OpenApi;
using WinBack.Api.Infrastructure.Secrets;

namespace WinBack.Api.Features.Webhooks;

public sealed class WebhooksFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        var services = feature.Services;
        feature.Store(WebhookTables.Configure);
        // The outbox is filled by a subscription, which the async daemon runs in the worker.
        feature.Marten(marten => marten.AddSubscriptionWithServices<WebhookOutbox>(ServiceLifetime.Singleton));
        services.AddSingleton<WebhookSignal>();
        services.AddSingleton(new WebhookTarget(feature.Options.Webhooks.AllowPrivateTargets));
        services.AddSingleton<WebhookEndpoints>();
        services.AddSingleton<WebhookDeliveries>();
        services.AddSecretProtector<WebhookSecrets>();
        services.AddSingleton<IWebhookCatalog, WebhookCatalog>();
        if (!feature.RunsWorker)
            return;
        services.AddSingleton<WebhookSender>();
        services.AddHostedService<WebhookDispatcher>();
    }
}
