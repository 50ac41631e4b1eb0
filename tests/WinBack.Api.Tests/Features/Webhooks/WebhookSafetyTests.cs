using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Webhooks;

/// <summary>The service as deployed: private targets refused.</summary>
public sealed class StrictWebhookApp : WinBackApp
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["WinBack:Webhooks:AllowPrivateTargets"] = "false",
    };
}

public sealed class WebhookSafetyTests(StrictWebhookApp app) : IClassFixture<StrictWebhookApp>
{
    [Theory]
    [InlineData("http://127.0.0.1:8080/hook", "127.0.0.1")]
    [InlineData("http://localhost/hook", "")]
    [InlineData("http://169.254.169.254/latest/meta-data", "169.254.169.254")]
    [InlineData("http://10.1.2.3/hook", "10.1.2.3")]
    [InlineData("http://[::1]/hook", "::1")]
    [InlineData("http://192.168.0.10/hook", "192.168.0.10")]
    [InlineData("http://[::a9fe:a9fe]/hook", "::169.254.169.254")]
    [InlineData("http://[::ffff:0:a00:1]/hook", "::ffff:0:10.0.0.1")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/hook", "64:ff9b::a9fe:a9fe")]
    [InlineData("http://[2002:7f00:1::1]/hook", "2002:7f00:1::1")]
    [InlineData("http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hook", "2001:0:4136:e378:8000:63bf:f5ff:fffe")]
    public async Task Loopback_link_local_and_private_targets_are_refused_in_any_IPv6_spelling(string url, string address)
    {
        var tenant = await app.CreateTenantAsync();
        var problem = await (await tenant.Admin.PostAsync("/v1/webhook-endpoints", RuleRequests.Json(new JsonObject
            { ["url"] = url, ["events"] = new JsonArray("*") }))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        problem.GetProperty("errors").GetProperty("url")[0].GetString()!.ShouldContain($"resolves to {address}");
    }

    [Fact]
    public async Task A_target_that_turns_private_after_it_was_set_is_refused_when_connecting_and_nothing_is_sent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync();
        // A public address passes the check when it is set; then its name "rebinds" to the loopback receiver.
        var endpointId = (await tenant.CreateEndpointAsync("http://93.184.215.14/hook", "reward.issued")).GetProperty("id").GetString()!;
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var rebind = new NpgsqlCommand("update winback.webhook_endpoint set url = @url where id = @id", connection);
            rebind.Parameters.AddWithValue("url", receiver.Url);
            rebind.Parameters.AddWithValue("id", endpointId);
            (await rebind.ExecuteNonQueryAsync()).ShouldBe(1);
        }
        await tenant.IssueCreditAsync("cus_ssrf");
        var delivery = (await tenant.WaitForDeliveriesAsync(endpointId, ds => ds.Length == 1 && ds[0].Attempts() == 1, "one attempt")).Single();
        delivery.GetProperty("lastError").GetString()!.ShouldStartWith("Refused: 127.0.0.1 resolves to 127.0.0.1");
        delivery.GetProperty("lastStatusCode").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        receiver.Arrived.ShouldBeEmpty();
    }
}
