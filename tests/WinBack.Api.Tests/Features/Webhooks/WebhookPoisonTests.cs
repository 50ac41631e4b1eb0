using System.Text.Json;
using Npgsql;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Common;

namespace WinBack.Api.Tests.Features.Webhooks;

/// <summary>Attempts give up after a second, so that a receiver that hangs is quick to see.</summary>
public sealed class PoisonApp : WinBackApp
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["WinBack:Webhooks:Timeout"] = "00:00:01",
    };
}

public sealed class WebhookPoisonTests
{
    [Fact]
    public async Task A_tenants_hanging_receiver_and_broken_endpoint_are_parked_with_their_reasons_while_another_tenants_delivery_completes_and_a_restart_changes_neither()
    {
        await using var hanging = await WebhookReceiver.StartAsync();
        hanging.Hold = new TaskCompletionSource(); // never answers
        await using var untouched = await WebhookReceiver.StartAsync();
        await using var nul = await WebhookReceiver.StartAsync();
        nul.AnswerBody = "ok\0ok"; // PostgreSQL text cannot hold this answer as it is
        await using var good = await WebhookReceiver.StartAsync();
        var first = new PoisonApp();
        await first.InitializeAsync();

        var a = await first.CreateTenantAsync(name: "poison");
        var hangs = (await a.CreateEndpointAsync(hanging.Url, "reward.issued")).GetProperty("id").GetString()!;
        var broken = (await a.CreateEndpointAsync(untouched.Url, "reward.issued")).GetProperty("id").GetString()!;
        var answersNul = (await a.CreateEndpointAsync(nul.Url, "reward.issued")).GetProperty("id").GetString()!;
        // A row the dispatcher cannot use: its secret no longer decodes, so no attempt can be signed.
        await using (var connection = new NpgsqlConnection(first.ConnectionString))
        {
            await connection.OpenAsync();
            await using var corrupt = new NpgsqlCommand("update winback.webhook_endpoint set secret = 'whsec_%%% not base64 %%%' where id = @id", connection);
            corrupt.Parameters.AddWithValue("id", broken);
            (await corrupt.ExecuteNonQueryAsync()).ShouldBe(1);
        }
        var b = await first.CreateTenantAsync(name: "bystander");
        var bEndpoint = (await b.CreateEndpointAsync(good.Url, "reward.issued")).GetProperty("id").GetString()!;

        await a.IssueCreditAsync("cus_a");
        await b.IssueCreditAsync("cus_b");
        (await good.WaitForAsync(r => r.Count == 1, "B's reward")).Single().CustomerId.ShouldBe("cus_b");
        (await a.WaitForDeliveriesAsync(answersNul, ds => ds.Length == 1 && ds[0].Status() == "succeeded", "the answer with a NUL stored"))
            .Single().GetProperty("attemptLog")[0].GetProperty("responseBody").GetString().ShouldBe("ok\uFFFDok");

        // A's two bad units are retried on the schedule (the wall clock moves on), then parked with their reasons.
        await a.WaitForDeliveriesAsync(hangs, ds => ds.Length == 1 && ds[0].Attempts() == 1, "the first attempt time out");
        await a.WaitForDeliveriesAsync(broken, ds => ds.Length == 1 && ds[0].Attempts() == 1, "the first attempt fail");
        for (var attempt = 2; attempt <= RetrySchedule.Webhooks.MaxAttempts; attempt++)
            await a.RunDueRetriesAsync(first, hangs, broken);
        var hung = (await a.DeliveriesAsync(hangs)).Single();
        hung.Status().ShouldBe("failed");
        hung.Attempts().ShouldBe(RetrySchedule.Webhooks.MaxAttempts);
        hung.LastError().ShouldBe("No response within 1 s.");
        var unsendable = (await a.DeliveriesAsync(broken)).Single();
        unsendable.Status().ShouldBe("failed");
        unsendable.Attempts().ShouldBe(RetrySchedule.Webhooks.MaxAttempts);
        unsendable.LastError()!.ShouldStartWith("WinBack could not make this attempt (");
        untouched.Arrived.ShouldBeEmpty();
        hanging.Arrived.Count.ShouldBe(RetrySchedule.Webhooks.MaxAttempts);
        var before = await SnapshotAsync(a, b, hangs, broken, answersNul, bEndpoint);

        // After a restart on the same database, nothing parked is picked up again and nothing done is done twice.
        await first.DisposeAsync();
        await using var second = new SecondProcess(first.ConnectionString);
        await second.InitializeAsync();
        a = a with { Admin = second.ClientWithKey(a.AdminKey.Secret) };
        b = b with { Admin = second.ClientWithKey(b.AdminKey.Secret) };
        var pingId = (await b.PingAsync(bEndpoint)).EventId();
        await Eventually.TrueAsync(() => good.Arrived.Contains(pingId), "B's ping through the restarted dispatcher");
        var after = await SnapshotAsync(a, b, hangs, broken, answersNul, bEndpoint);
        after.Where(d => !d.Contains(pingId)).ShouldBe(before);
        hanging.Arrived.Count.ShouldBe(RetrySchedule.Webhooks.MaxAttempts);
        untouched.Arrived.ShouldBeEmpty();
        good.Received.Select(r => r.Type).ShouldBe(["reward.issued", "ping"]);
    }

    private static async Task<List<string>> SnapshotAsync(TestTenant a, TestTenant b, string hangs, string broken, string answersNul, string bEndpoint)
    {
        var all = new List<JsonElement>();
        foreach (var endpoint in new[] { hangs, broken, answersNul })
            all.AddRange(await a.DeliveriesAsync(endpoint));
        all.AddRange(await b.DeliveriesAsync(bEndpoint));
        return all.Select(d => JsonSerializer.Serialize(d)).ToList();
    }
}
