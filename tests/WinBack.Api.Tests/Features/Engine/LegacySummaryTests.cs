using WinBack.Api.Infrastructure.Postgres;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Engine;

/// <summary>Customer summaries stored before summaries recorded their stream version still take new events.</summary>
public sealed class LegacySummaryTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task A_summary_without_a_version_is_appended_to_and_then_carries_one()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.ActivityAsync("old", "purchase", amount: 1000);
        // What a summary written by the code before the engine looks like: no "version".
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await using (var connection = await Sql.OpenForTenantAsync(store, tenant.Id, CancellationToken.None))
        {
            await using var strip = new NpgsqlCommand(
                $"update {MartenSetup.SchemaName}.customer_summary set data = (data::jsonb - 'version')::text where id = 'old' and tenant_id = @t", connection);
            strip.Parameters.AddWithValue("t", tenant.Id);
            (await strip.ExecuteNonQueryAsync()).ShouldBe(1);
        }

        var rule = RuleRequests.Simple();
        rule["trigger"] = new JsonObject { ["type"] = "inactivity", ["days"] = 30 };
        await tenant.CreateActiveAsync(rule);
        await tenant.AdvanceAsync(DateTimeOffset.Parse("2026-12-25T00:00:00Z"));

        (await tenant.EventsAsync("old", "customer_lapsed")).Length.ShouldBe(1);
        (await tenant.RewardsAsync("old")).Length.ShouldBe(1);
        await tenant.ActivityAsync("old", "login");
        (await tenant.CustomerAsync("old")).GetProperty("status").GetString().ShouldBe("won_back");
    }

    [Fact]
    public async Task A_summary_that_still_holds_its_rewards_keeps_them_and_its_next_write_moves_them_to_the_history()
    {
        var tenant = await app.CreateTenantAsync();
        var reward = await tenant.IssueCreditAsync("whole", amount: 900);
        // What a summary written before the history was split off looks like: rewards and episodes in the state, no balance.
        (await Db.ExecuteAsync(app.ConnectionString, $$"""
            update {{MartenSetup.SchemaName}}.customer_summary s
              set data = (jsonb_set(jsonb_set(s.data::jsonb, '{state,rewards}', h.data -> 'rewards'), '{state,episodes}', h.data -> 'episodes') - 'balance')::text
              from {{MartenSetup.SchemaName}}.mt_doc_customerhistory h
              where h.tenant_id = s.tenant_id and h.id = s.id and s.tenant_id = @tenant and s.id = 'whole'
            """, tenant.Id)).ShouldBe(1);
        (await Db.ExecuteAsync(app.ConnectionString,
            $"delete from {MartenSetup.SchemaName}.mt_doc_customerhistory where tenant_id = @tenant and id = 'whole'", tenant.Id)).ShouldBe(1);
        (await tenant.CustomerAsync("whole")).GetProperty("balance")[0].GetProperty("amount").GetInt64().ShouldBe(900);
        (await tenant.RewardsAsync("whole")).Single().GetProperty("id").GetString().ShouldBe(reward);

        await tenant.ActivityAsync("whole", "login");

        (await Db.ScalarAsync(app.ConnectionString,
            $"select jsonb_array_length(data -> 'rewards') from {MartenSetup.SchemaName}.mt_doc_customerhistory where tenant_id = @tenant and id = 'whole'",
            tenant.Id)).ShouldBe(1);
        (await tenant.RewardsAsync("whole")).Single().GetProperty("id").GetString().ShouldBe(reward);
        (await tenant.RedeemAsync(reward, "order-1", 400)).GetProperty("amount").GetInt64().ShouldBe(400);
        (await tenant.CustomerAsync("whole")).GetProperty("balance")[0].GetProperty("amount").GetInt64().ShouldBe(500);
    }
}
