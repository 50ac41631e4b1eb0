using WinBack.Api.Features.ApiKeys;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Engine;
using WinBack.Api.Features.Imports;
using WinBack.Api.Features.Platform;
using WinBack.Api.Features.Reports;
using WinBack.Api.Features.Rewards;
using WinBack.Api.Features.Risk;
using WinBack.Api.Features.Rules;
using WinBack.Api.Features.Stripe;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Features.Webhooks;
using WinBack.Api.Infrastructure.Hosting;

var builder = WebApplication.CreateBuilder(args);
// The host lists the features; each registers its own services, store parts, endpoints and background work.
builder.AddWinBack([
    new TenantsFeature(), new ApiKeysFeature(), new TestClocksFeature(), new CustomersFeature(), new RulesFeature(),
    new RewardsFeature(), new ReportsFeature(), new EngineFeature(), new WebhooksFeature(), new StripeFeature(),
    new ImportsFeature(), new PlatformFeature(), new RiskFeature(),
]);

var app = builder.Build();
app.UseWinBack();
app.Run();

/// <summary>Entry point; public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program;
