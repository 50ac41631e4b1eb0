using System.Diagnostics;
using JasperFx.Events.Daemon;
using Marten;
using WinBack.Api.Features.Reports;
using WinBack.Api.Infrastructure.Hosting;

// dotnet RebuildTenant.dll TENANT (tenant|database): rebuilds the report projection for that tenant only (Marten's per-tenant
// rebuild, which needs WinBack:TenantPartitionedEvents), or for the whole database the tenant lives in; prints the time.
// The settings are the service's (ConnectionStrings__WinBack and the rest, from the environment).
internal static class RebuildTenant
{
    private static async Task Main(string[] args)
    {
        var (tenant, scope) = (args[0], args[1]);
        var builder = WebApplication.CreateBuilder([]);
        builder.AddWinBack(Program.Features());
        await using var app = builder.Build();
        var store = app.Services.GetRequiredService<IDocumentStore>();
        using var daemon = await store.BuildProjectionDaemonAsync(tenant);
        var clock = Stopwatch.StartNew();
        if (scope == "tenant")
            await daemon.RebuildProjectionAsync(ReportProjection.ProjectionName, tenant, TimeSpan.FromHours(1), CancellationToken.None);
        else
            await daemon.RebuildProjectionAsync(ReportProjection.ProjectionName, TimeSpan.FromHours(1), CancellationToken.None);
        Console.WriteLine($"rebuild of {ReportProjection.ProjectionName} ({scope} of {tenant}): {clock.ElapsedMilliseconds} ms");
    }
}
