using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Imports;

public sealed class ImportsFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(options =>
        {
            options.Schema.For<ImportJob>();
            ImportTables.Configure(options);
        });
        feature.Services.AddSingleton<ImportWakeup>();
        feature.Services.AddSingleton<ImportClaims>();
        if (feature.RunsWorker)
            feature.Services.AddHostedService<CustomerImportRunner>();
    }
}
