using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Reports;

/// <summary>
/// One tenant's customer stream holds events the report fold refuses (revenue past the 64-bit range, stored before amounts were
/// bounded): the daemon parks those events in its dead-letter table, and the report projection goes on for everyone.
/// </summary>
public sealed class ReportPoisonTests
{
    internal const long NearMax = 5_000_000_000_000_000_000;

    [Fact]
    public async Task An_event_the_report_fold_refuses_is_dead_lettered_and_every_other_tenants_reports_go_on()
    {
        await using var app = new WinBackApp();
        await app.InitializeAsync();
        var t0 = app.Clock.GetUtcNow();
        var a = await LapsedTenantAsync(app, "poisoned", t0);
        await a.ActivityAsync("c1", "purchase", amount: 1000);
        // Two purchases in the return's window that only sum past the range: stored as they would have been before the bound.
        await PlantPurchaseAsync(app, a.Id, "c1", t0.AddDays(32));
        await PlantPurchaseAsync(app, a.Id, "c1", t0.AddDays(33));
        var b = await LapsedTenantAsync(app, "bystander", t0);

        await app.ReportsCaughtUpAsync();
        (await LapsedAsync(b)).ShouldBe(1);
        (await LapsedAsync(a)).ShouldBe(1, "the poisoned customer's episode, as it was before the refused events");
        (await Db.ScalarAsync(app.ConnectionString, "select count(*) from winback.mt_doc_deadletterevent where data::text like '%Reports%'", ""))
            .ShouldBe(1, "the event that overflows, parked; the one before it folded");
    }

    internal static async Task<TestTenant> LapsedTenantAsync(WinBackApp app, string name, DateTimeOffset t0)
    {
        var tenant = await app.CreateTenantAsync(name: name);
        var rule = RuleRequests.Simple();
        rule["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 30 };
        await tenant.CreateActiveAsync(rule);
        await tenant.ActivityAsync("c1", "purchase", amount: 1000);
        await tenant.AdvanceAsync(t0.AddDays(31));
        return tenant;
    }

    private static async Task<long> LapsedAsync(TestTenant tenant) =>
        (await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/reports/reactivation"), 200))
        .GetProperty("rows").EnumerateArray().Sum(r => r.GetProperty("lapsed").GetInt64());

    /// <summary>A purchase of <see cref="NearMax"/> written straight into the customer's stream, as stored before amounts were bounded.</summary>
    /// <param name="storedAs">The event type it is stored under: Marten's name and the .NET type's.</param>
    internal static Task PlantPurchaseAsync(WinBackApp app, string tenantId, string customerId, DateTimeOffset at,
        (string Name, string DotNet) storedAs = default) =>
        Db.ExecuteAsync(app.ConnectionString, """
            with next as (select coalesce(max(version), 0) + 1 as version from winback.mt_events where tenant_id = @tenant and stream_id = @customer)
            insert into winback.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, mt_dotnet_type)
            select nextval('winback.mt_events_sequence'), gen_random_uuid(), @customer, version,
              jsonb_build_object('customerId', @customer, 'activityId', 'act_planted_' || version, 'type', 'Purchase', 'occurredAt', @at,
                'recordedAt', @at, 'amount', jsonb_build_object('amount', @amount, 'currency', 'eur'), 'reason', null, 'name', null,
                'properties', null, 'externalId', null),
              @type, @tenant, @dotnet
            from next
            """, tenantId, ("customer", customerId), ("at", at.UtcDateTime.ToString("O")), ("amount", NearMax),
            ("type", storedAs.Name ?? "activity_recorded"), ("dotnet", storedAs.DotNet ?? "WinBack.Domain.Customers.ActivityRecorded, WinBack.Domain"));
}
