using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Tests.Features.Rules;
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
        await using (var connection = store.Storage.Database.CreateConnection())
        {
            await connection.OpenAsync();
            await using var strip = new NpgsqlCommand(
                $"update {MartenSetup.SchemaName}.mt_doc_customersummary set data = data - 'version' where id = 'old' and tenant_id = @t", connection);
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
}
