using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.SaveOffers;

/// <summary>Save offers at cancellation: the offer, its answer, and the validation of saves 30 days on (run by the engine and test clocks).</summary>
public sealed class SaveOffersFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(SaveOfferRecordProjection.Configure);
        feature.Services.AddSingleton<SaveValidation>();
        if (feature.ServesApi)
            feature.Services.AddSingleton<SaveOfferBook>();
    }
}
