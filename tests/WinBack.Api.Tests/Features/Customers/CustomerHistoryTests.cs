using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Customers;

/// <summary>A customer's history (rewards, episodes) is stored apart from the hot state that every activity rewrites.</summary>
public sealed class CustomerHistoryTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private const string HistoryVersion =
        "select coalesce((select mt_version::text from winback.mt_doc_customerhistory where tenant_id = @tenant and id = @id), '')";

    [Fact]
    public async Task An_activity_of_a_customer_with_rewards_leaves_their_history_unread_and_unwritten_and_every_view_still_shows_it()
    {
        var tenant = await app.CreateTenantAsync();
        var first = await tenant.IssueCreditAsync("cus_hist", amount: 700);
        await tenant.IssueCreditAsync("cus_hist", amount: 300);
        var before = await HistoryVersionAsync(tenant.Id, "cus_hist");
        before.ShouldNotBeEmpty("issuing a reward writes the history");

        await tenant.ActivityAsync("cus_hist", "login");
        await tenant.ActivityAsync("cus_hist", "purchase", amount: 1200);

        (await HistoryVersionAsync(tenant.Id, "cus_hist")).ShouldBe(before, "an activity outside any attribution window leaves the history alone");
        (await Db.ScalarAsync(app.ConnectionString,
            "select jsonb_array_length(data::jsonb -> 'state' -> 'rewards') from winback.customer_summary where tenant_id = @tenant and id = 'cus_hist'",
            tenant.Id)).ShouldBe(0, "the hot state carries no rewards");
        var customer = await tenant.CustomerAsync("cus_hist");
        customer.GetProperty("orderCount").GetInt32().ShouldBe(1);
        customer.GetProperty("balance")[0].GetProperty("amount").GetInt64().ShouldBe(1000);
        (await tenant.RewardsAsync("cus_hist")).Length.ShouldBe(2);

        await tenant.RedeemAsync(first, "order-1", 200);
        (await HistoryVersionAsync(tenant.Id, "cus_hist")).ShouldNotBe(before, "a redemption changes the history");
        (await tenant.CustomerAsync("cus_hist")).GetProperty("balance")[0].GetProperty("amount").GetInt64().ShouldBe(800);
    }

    private async Task<string> HistoryVersionAsync(string tenantId, string customerId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(HistoryVersion, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", customerId);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
