using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Customers;

public sealed class CustomersFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(options =>
        {
            options.Storage.ExtendedSchemaObjects.Add(CustomerSummaryTable.Table());
            options.Schema.For<CustomerHistory>();
            options.Schema.For<ActivityDedupe>();
        });
        // Shards written by a version that kept the hot state as Marten documents.
        feature.ShardUpgrade(CustomerSummaryTable.UpgradeFromDocumentsAsync);
        feature.Services.AddSingleton<CustomerEventWriter>();
        feature.Services.AddHostedService(sp => sp.GetRequiredService<CustomerEventWriter>());
    }
}
