using WinBack.Api.Features.ApiKeys;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Engine;
using WinBack.Api.Features.Imports;
using WinBack.Api.Features.Moves;
using WinBack.Api.Features.Platform;
using WinBack.Api.Features.Reports;
using WinBack.Api.Features.Rewards;
using WinBack.Api.Features.Risk;
using WinBack.Api.Features.Rules;
using WinBack.Api.Features.SaveOffers;
using WinBack.Api.Features.Stripe;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Features.Webhooks;
using JasperFx;
using WinBack.Api.Infrastructure.Hosting;

var builder = WebApplication.CreateBuilder(args);
// JasperFx's command line (Marten's commands among them): `projections rebuild` replays the projections and exits without
// starting the service or its background work.
builder.Host.ApplyJasperFxExtensions();
// The host lists the features; each registers its own services, store parts, endpoints and background work.
builder.AddWinBack(Program.Features());

var app = builder.Build();
app.UseWinBack();
// A command names itself first; anything else (no arguments, --urls, the test host's settings) runs the service.
if (args.Length > 0 && !args[0].StartsWith('-'))
    return await app.RunJasperFxCommands(ProjectionCommands.Normalize(args));
await app.RunAsync();
return 0;

/// <summary>Entry point; public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program
{
    /// <summary>The features the host lists (also for tools that build the same services without serving, such as bench/RebuildTenant).</summary>
    public static IReadOnlyList<IFeature> Features() =>
    [
        new TenantsFeature(), new ApiKeysFeature(), new TestClocksFeature(), new CustomersFeature(), new RulesFeature(),
        new RewardsFeature(), new ReportsFeature(), new EngineFeature(), new WebhooksFeature(), new StripeFeature(),
        new ImportsFeature(), new PlatformFeature(), new RiskFeature(), new MovesFeature(), new SaveOffersFeature(),
    ];
}
