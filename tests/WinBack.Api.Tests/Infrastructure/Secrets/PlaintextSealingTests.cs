using WinBack.Api.Features.Webhooks;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Tests.Infrastructure.Secrets;

/// <summary>Webhook secrets that versions before encryption stored in plain text: still usable, and encrypted at the worker's next start.</summary>
public sealed class PlaintextSealingTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task Webhook_secrets_left_in_plain_text_keep_working_and_are_encrypted_at_the_next_start()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync();
        var endpointId = (await tenant.CreateEndpointAsync(receiver.Url, "reward.issued")).GetProperty("id").GetString()!;
        var (current, previous) = (WebhookSecret.New(), WebhookSecret.New());
        await SecretRequests.ExecuteAsync(app.ConnectionString, $"""
            update {WebhookTables.Endpoints} set secret = @current, previous_secret = @previous, previous_expires_at = @expires where id = @id
            """, ("current", current), ("previous", previous), ("expires", app.Clock.GetUtcNow().AddHours(1)), ("id", endpointId));
        // Before the next start: as an earlier version left them.
        await PingVerifiesAsync(tenant, endpointId, receiver, 1, current, previous);

        await using var restarted = new SecondProcess(app.ConnectionString);
        await restarted.InitializeAsync();

        var endpoint = await SecretRequests.ReadAsync(app.ConnectionString,
            $"select secret || ' ' || previous_secret from {WebhookTables.Endpoints} where id = @id", ("id", endpointId));
        endpoint.ShouldNotContain("whsec_");
        await PingVerifiesAsync(tenant, endpointId, receiver, 2, current, previous);
    }

    private async Task PingVerifiesAsync(TestTenant tenant, string endpointId, WebhookReceiver receiver, int count, params string[] secrets)
    {
        await EngineRequests.ReadAsync(await tenant.Admin.PostAsync($"/v1/webhook-endpoints/{endpointId}/test", null), 202);
        var ping = (await receiver.WaitForAsync(r => r.Count == count, $"ping {count}"))[count - 1];
        foreach (var secret in secrets)
            WebhookRequests.Verifies(ping, secret, app.Clock.GetUtcNow()).ShouldBeTrue();
    }
}
