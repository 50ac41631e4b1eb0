using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Tests.Features.Customers;

/// <summary>The hot state's own table: the domain's conditions in SQL, and shards upgraded from Marten's document table.</summary>
public sealed class CustomerSummariesTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-06-01T00:00:00Z");
    private static readonly string[] Customers = ["buyer", "repeat", "browser", "leaver", "born"];

    [Fact]
    public async Task Every_trigger_windows_bound_selects_in_SQL_exactly_the_customers_it_selects_in_memory()
    {
        var tenant = await app.CreateTenantAsync();
        await RecordCustomersAsync(tenant);
        await using var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession(tenant.Id);
        var all = await CustomerSummaries.LoadManyAsync(session, Customers, CancellationToken.None);
        all.Count.ShouldBe(Customers.Length);

        var selecting = 0;
        foreach (var trigger in Triggers())
        // Midnights, and instants within a day on either side of an activity (the index holds the UTC day, the row the instant),
        // one of them given at another offset.
        foreach (var bound in new[] { Start.AddDays(-50), Start, Start.AddDays(10), Start.AddDays(400), Start.AddDays(5).AddHours(12),
                     Start.AddDays(5).AddHours(-12), new DateTimeOffset(2026, 6, 6, 2, 0, 0, TimeSpan.FromHours(5)) })
        {
            var window = TriggerWindows.Of(trigger.Type)!;
            foreach (var condition in new[] { window.OpenedBy(trigger, bound), window.OpenedSince?.Invoke(trigger, bound) }.OfType<Expression<Func<Customer, bool>>>())
            foreach (var status in Enum.GetValues<CustomerStatus>())
            {
                var holds = condition.Compile();
                var inMemory = all.Where(s => s.State.Status == status && holds(s.State)).Select(s => s.Id).Order().ToList();
                var inSql = new List<string>();
                await foreach (var id in CustomerSummaries.IdsWhereAsync(session, status, [condition], CancellationToken.None))
                    inSql.Add(id);
                inSql.Order().ToList().ShouldBe(inMemory, $"{trigger.Type} at {bound:O} in {status}: {condition}");
                selecting += inMemory.Count > 0 && inMemory.Count < all.Count(s => s.State.Status == status) ? 1 : 0;
            }
        }
        selecting.ShouldBeGreaterThan(20, "the bounds split the customers, rather than taking all or none");
    }

    [Fact]
    public async Task A_shard_that_kept_summaries_as_Marten_documents_is_upgraded_in_place_and_reads_the_same()
    {
        var tenant = await app.CreateTenantAsync();
        await RecordCustomersAsync(tenant);
        var store = app.Services.GetRequiredService<IDocumentStore>();
        // What a former version left: the summaries as Marten documents (jsonb), here under other ids beside the current ones.
        (await Db.ExecuteAsync(app.ConnectionString, """
            create table winback.mt_doc_customersummary (tenant_id varchar not null, id varchar not null, data jsonb not null,
              mt_last_modified timestamptz, mt_version uuid not null, mt_dotnet_type varchar, primary key (tenant_id, id));
            insert into winback.mt_doc_customersummary
            select tenant_id, 'old_' || id, jsonb_set(jsonb_set(data::jsonb, '{id}', to_jsonb('old_' || id)), '{state,id}', to_jsonb('old_' || id)),
                   now(), gen_random_uuid(), 'x'
            from winback.customer_summary where tenant_id = @tenant
            """, tenant.Id)).ShouldBe(Customers.Length);

        await using (var connection = await Sql.OpenForTenantAsync(store, tenant.Id, CancellationToken.None))
        {
            await CustomerSummaryTable.UpgradeFromDocumentsAsync(connection, CancellationToken.None);
            await CustomerSummaryTable.UpgradeFromDocumentsAsync(connection, CancellationToken.None); // a second start finds nothing to do
        }

        (await Db.ScalarAsync(app.ConnectionString,
            "select count(*) from winback.customer_summary where tenant_id = @tenant and to_regclass('winback.mt_doc_customersummary') is not null",
            tenant.Id)).ShouldBe(0L, "the document table is dropped once copied");
        const string columns = "status, status_changed_at, first_seen_at, last_activity_at, last_purchase_at, first_purchase_at, order_count, birthday, stripe_customer_id, attributes";
        (await Db.ScalarAsync(app.ConnectionString, $"""
            select count(*) from winback.customer_summary n join winback.customer_summary o on o.tenant_id = n.tenant_id and n.id = 'old_' || o.id
            where n.tenant_id = @tenant and ({columns.Replace(", ", ", n.").Insert(0, "n.")}) is not distinct from ({columns.Replace(", ", ", o.").Insert(0, "o.")})
            """, tenant.Id)).ShouldBe((long)Customers.Length, "the typed columns taken from the JSON are the ones the writer writes");
        await using var session = store.QuerySession(tenant.Id);
        var upgraded = await CustomerSummaries.LoadAsync(session, "old_repeat", CancellationToken.None);
        upgraded!.State.OrderCount.ShouldBe(2);
        var current = await CustomerSummaries.LoadAsync(session, "repeat", CancellationToken.None);
        upgraded.State.LastPurchaseAt.ShouldBe(current!.State.LastPurchaseAt);
    }

    // Customers of every shape the windows look at: buyers, a login only, a cancellation, a birthday.
    private static async Task RecordCustomersAsync(TestTenant tenant)
    {
        await tenant.ActivityAsync("buyer", "purchase", Start, amount: 1000);
        await tenant.ActivityAsync("repeat", "purchase", Start.AddDays(-40), amount: 500);
        await tenant.ActivityAsync("repeat", "purchase", Start.AddDays(20), amount: 700);
        await tenant.ActivityAsync("browser", "login", Start.AddDays(5));
        await tenant.ActivityAsync("leaver", "purchase", Start.AddDays(-10), amount: 300);
        await tenant.ActivityAsync("leaver", "subscription_cancelled", Start.AddDays(3));
        await tenant.ActivityAsync("born", "login", Start.AddDays(-60));
        await EngineRequests.ReadAsync(await tenant.Ingest.PutAsync("/v1/customers/born", RuleRequests.Json(new JsonObject
        {
            ["birthday"] = "12-01", ["attributes"] = new JsonObject { ["Channel"] = "web", ["segment"] = "vip" },
        })), 200);
    }

    // One trigger of every type that has a window, with every parameter a window might read, and the variants that change it.
    private static IEnumerable<Trigger> Triggers()
    {
        foreach (var type in Enum.GetValues<TriggerType>().Where(t => TriggerWindows.Of(t) is not null))
            yield return new Trigger(type, 30, [])
            {
                Years = [1, 2], Count = 2, RecentDays = 7, BaselineDays = 28, WithinDays = 7, Activity = "login", Activities = ["login"],
                DropBelow = 0.5, PAliveBelow = 0.5, DaysBefore = 3,
            };
        yield return new Trigger(TriggerType.Inactivity, 30, [ActivityType.Purchase]);
        yield return new Trigger(TriggerType.Anniversary, 0, []) { Years = [1], From = AnniversaryFrom.FirstSeen };
    }
}
