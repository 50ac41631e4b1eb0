using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Npgsql;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Webhooks;

public sealed class WebhookDeleteWhileDeliveringTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task Endpoints_changed_and_deleted_while_their_deliveries_are_sent_and_recorded_never_answer_500_and_leave_nothing_behind()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync();
        var statuses = new ConcurrentBag<int>();
        var deleted = new List<string>();
        for (var round = 0; round < 4; round++)
        {
            var endpoints = new List<string>();
            for (var i = 0; i < 8; i++)
                endpoints.Add((await tenant.CreateEndpointAsync(receiver.Url, "*")).GetProperty("id").GetString()!);
            var arrivedBefore = receiver.Arrived.Count;
            await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 8 },
                async (i, _) => await tenant.PingAsync(endpoints[i % endpoints.Count]));
            await Eventually.TrueAsync(() => receiver.Arrived.Count >= arrivedBefore + 20, "deliveries under way");

            // While the dispatcher sends and records, each endpoint is changed, pinged and deleted, all at once.
            await Parallel.ForEachAsync(endpoints, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (endpointId, _) =>
            {
                statuses.Add((int)(await tenant.Admin.PatchAsync($"/v1/webhook-endpoints/{endpointId}",
                    RuleRequests.Json(new JsonObject { ["description"] = "changing" }))).StatusCode);
                statuses.Add((int)(await tenant.Admin.PostAsync($"/v1/webhook-endpoints/{endpointId}/test", null)).StatusCode);
                statuses.Add((int)(await tenant.Admin.DeleteAsync($"/v1/webhook-endpoints/{endpointId}")).StatusCode);
            });
            deleted.AddRange(endpoints);
        }
        statuses.Where(s => s >= 500).ShouldBeEmpty();
        statuses.Distinct().Order().ShouldBe([200, 202, 204]);

        // Nothing of the deleted endpoints is left, or queued again by an attempt recorded after the delete.
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var left = new NpgsqlCommand("""
                select (select count(*) from winback.webhook_delivery where endpoint_id = any(@ids))
                     + (select count(*) from winback.webhook_attempt a where not exists (select 1 from winback.webhook_delivery d where d.id = a.delivery_id))
                """, connection);
            left.Parameters.AddWithValue("ids", deleted.ToArray());
            (await left.ExecuteScalarAsync()).ShouldBe(0L);
        }

        // The dispatcher goes on: a new endpoint's ping arrives.
        var fresh = (await tenant.CreateEndpointAsync(receiver.Url, "*")).GetProperty("id").GetString()!;
        var pingId = (await tenant.PingAsync(fresh)).EventId();
        await Eventually.TrueAsync(() => receiver.Arrived.Contains(pingId), "the new endpoint's ping");
    }
}
