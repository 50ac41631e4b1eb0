using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Infrastructure;
using static WinBack.Api.Tests.Features.Reports.ReportPoisonTests;

namespace WinBack.Api.Tests.Features.Reports;

/// <summary>
/// The report projection reads the purchases and refunds an episode can count, never the activities without an amount (a batch
/// of logins) nor the purchases and refunds outside every attribution window (most purchases): those are stored under types of
/// their own, which the daemon does not load for it. Shown with events the report fold refuses (<see cref="ReportPoisonTests"/>):
/// under the activities' first type they reach the projection and one is parked; the same events stored under another type
/// are never loaded, so nothing is parked for them.
/// </summary>
public sealed class ReportReadsTests
{
    [Theory]
    [InlineData("non_revenue_activity_recorded", "WinBack.Domain.Customers.NonRevenueActivityRecorded, WinBack.Domain")]
    [InlineData("unattributed_activity_recorded", "WinBack.Domain.Customers.UnattributedActivityRecorded, WinBack.Domain")]
    public async Task Events_stored_under_the_activities_other_types_are_never_loaded_by_the_report_projection(string name, string dotNetType)
    {
        await using var app = new WinBackApp();
        await app.InitializeAsync();
        var t0 = app.Clock.GetUtcNow();
        var read = await LapsedTenantAsync(app, "read", t0);
        var unread = await LapsedTenantAsync(app, "unread", t0);
        foreach (var tenant in new[] { read, unread })
            await tenant.ActivityAsync("c1", "purchase", amount: 1000);
        foreach (var day in new[] { 32, 33 })
        {
            await PlantPurchaseAsync(app, read.Id, "c1", t0.AddDays(day));
            await PlantPurchaseAsync(app, unread.Id, "c1", t0.AddDays(day), (name, dotNetType));
        }

        await app.ReportsCaughtUpAsync();
        // The daemon parks a refused event beside its progress, not in the same write: wait for it.
        await Eventually.ReadAsync(() => ParkedAsync(app, read.Id), n => n == 1,
            "the overflowing event loaded under the activities' first type, refused and parked");
        (await ParkedAsync(app, unread.Id)).ShouldBe(0, "never loaded under the other type");
    }

    private static Task<long> ParkedAsync(WinBackApp app, string tenantId) => Db.ScalarAsync(app.ConnectionString,
        "select count(*) from winback.mt_doc_deadletterevent where data ->> 'projectionName' = 'Reports' and data ->> 'tenantId' = @tenant",
        tenantId);
}
