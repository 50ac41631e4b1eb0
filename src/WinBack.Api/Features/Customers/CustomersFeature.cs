using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Customers;

public sealed class CustomersFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(options =>
        {
            // One index, (tenant_id, status, last activity), for the lapse sweep and the list filters;
            // every extra index would be written on each activity.
            options.Schema.For<CustomerSummary>()
                .StartIndexesByTenantId()
                .Index([x => x.State.Status, x => x.State.LastActivityAt])
                // Stripe's events name the customer by their Stripe id. Partial: customers without one (most, in
                // tenants not on Stripe) add nothing to it on each write.
                .Index(x => x.State.StripeCustomerId!, index => index.Predicate = "(data -> 'state' ->> 'stripeCustomerId') is not null");
            options.Schema.For<CustomerHistory>();
            options.Schema.For<ActivityDedupe>();
        });
        feature.Services.AddSingleton<CustomerEventWriter>();
        feature.Services.AddHostedService(sp => sp.GetRequiredService<CustomerEventWriter>());
    }
}
