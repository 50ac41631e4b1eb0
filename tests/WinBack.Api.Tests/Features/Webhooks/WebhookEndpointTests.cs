using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Webhooks;

public sealed class WebhookEndpointTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task An_endpoint_is_created_with_a_secret_shown_once_then_read_listed_changed_and_deleted()
    {
        var tenant = await app.CreateTenantAsync();
        var created = await tenant.CreateEndpointAsync("http://127.0.0.1:9/hook", "reward.issued", "customer.lapsed");
        var id = created.GetProperty("id").GetString()!;
        id.ShouldStartWith("we_");
        created.GetProperty("secret").GetString()!.ShouldStartWith("whsec_");
        created.GetProperty("enabled").GetBoolean().ShouldBeTrue();

        var read = await tenant.EndpointAsync(id);
        read.TryGetProperty("secret", out _).ShouldBeFalse();
        read.GetProperty("events").EnumerateArray().Select(e => e.GetString()).ShouldBe(["reward.issued", "customer.lapsed"]);
        var list = await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/webhook-endpoints"), 200);
        list.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("id").GetString()).ShouldBe([id]);
        list.GetRawText().ShouldNotContain("whsec_");

        var patched = await EngineRequests.ReadAsync(await tenant.Admin.PatchAsync($"/v1/webhook-endpoints/{id}",
            RuleRequests.Json(new JsonObject { ["events"] = new JsonArray("*"), ["enabled"] = false })), 200);
        patched.GetProperty("events").EnumerateArray().Select(e => e.GetString()).ShouldBe(["*"]);
        patched.GetProperty("enabled").GetBoolean().ShouldBeFalse();
        patched.GetProperty("disabledReason").GetString().ShouldBe("Disabled by an admin.");
        patched.GetProperty("url").GetString().ShouldBe("http://127.0.0.1:9/hook");

        var other = await app.CreateTenantAsync();
        await (await other.Admin.GetAsync($"/v1/webhook-endpoints/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        await (await other.Admin.DeleteAsync($"/v1/webhook-endpoints/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        await (await tenant.Ingest.GetAsync("/v1/webhook-endpoints")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        (await tenant.Admin.DeleteAsync($"/v1/webhook-endpoints/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await (await tenant.Admin.GetAsync($"/v1/webhook-endpoints/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
    }

    [Theory]
    [InlineData("""{"url":"ftp://example.com/x","events":["*"]}""", "url")]
    [InlineData("""{"url":"https://example.com/x","events":[]}""", "events")]
    [InlineData("""{"url":"https://example.com/x","events":["reward.issued","reward.exploded"]}""", "events")]
    [InlineData("""{"events":["*"]}""", "url")]
    public async Task Bad_endpoints_are_refused_field_by_field(string body, string field)
    {
        var tenant = await app.CreateTenantAsync();
        var problem = await (await tenant.Admin.PostAsync("/v1/webhook-endpoints", new StringContent(body, System.Text.Encoding.UTF8, "application/json")))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.GetRawText());
    }

    [Fact]
    public async Task A_live_tenant_needs_https()
    {
        var tenant = await app.CreateTenantAsync(mode: "live");
        var problem = await (await tenant.Admin.PostAsync("/v1/webhook-endpoints", RuleRequests.Json(new JsonObject
            { ["url"] = "http://hooks.example.com/winback", ["events"] = new JsonArray("*") }))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        problem.GetProperty("errors").GetProperty("url")[0].GetString()!.ShouldContain("https");
    }

    [Fact]
    public async Task A_ping_arrives_signed_and_after_a_rotation_both_secrets_sign_until_the_overlap_ends()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync();
        var endpoint = await tenant.CreateEndpointAsync(receiver.Url, "reward.issued");
        var id = endpoint.GetProperty("id").GetString()!;
        var oldSecret = endpoint.GetProperty("secret").GetString()!;

        var ping = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync($"/v1/webhook-endpoints/{id}/test", null), 202);
        ping.GetProperty("eventType").GetString().ShouldBe("ping");
        var pinged = (await receiver.WaitForAsync(r => r.Count == 1, "the ping")).Single();
        pinged.Type.ShouldBe("ping");
        pinged.Json.GetProperty("data").GetProperty("endpointId").GetString().ShouldBe(id);
        WebhookRequests.Verifies(pinged, oldSecret, app.Clock.GetUtcNow()).ShouldBeTrue();
        pinged.Signature.Split(' ').Length.ShouldBe(1);

        var rotated = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync($"/v1/webhook-endpoints/{id}/rotate-secret", null), 200);
        var newSecret = rotated.GetProperty("secret").GetString()!;
        newSecret.ShouldNotBe(oldSecret);
        rotated.GetProperty("previousSecretExpiresAt").GetDateTimeOffset().ShouldBe(app.Clock.GetUtcNow().AddHours(24));
        await tenant.IssueCreditAsync("cus_rotation");
        var during = (await receiver.WaitForAsync(r => r.Count == 2, "the reward during the overlap"))[1];
        during.Signature.Split(' ').Length.ShouldBe(2);
        WebhookRequests.Verifies(during, newSecret, app.Clock.GetUtcNow()).ShouldBeTrue();
        WebhookRequests.Verifies(during, oldSecret, app.Clock.GetUtcNow()).ShouldBeTrue();
        // A receiver's clock check is part of verifying: a stale timestamp is refused.
        WebhookRequests.Verifies(during, newSecret, app.Clock.GetUtcNow().AddMinutes(6)).ShouldBeFalse();

        // The overlap is wall-clock time; once it is over, only the new secret signs.
        app.Clock.Advance(TimeSpan.FromHours(25));
        await EngineRequests.ReadAsync(await tenant.Admin.PostAsync($"/v1/webhook-endpoints/{id}/test", null), 202);
        var after = (await receiver.WaitForAsync(r => r.Count == 3, "the ping after the overlap"))[2];
        after.Signature.Split(' ').Length.ShouldBe(1);
        WebhookRequests.Verifies(after, newSecret, app.Clock.GetUtcNow()).ShouldBeTrue();
        WebhookRequests.Verifies(after, oldSecret, app.Clock.GetUtcNow()).ShouldBeFalse();
        (await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/events"), 200)).GetProperty("data").EnumerateArray()
            .Select(e => e.GetProperty("type").GetString()).ShouldBe(["reward.issued"]); // pings are not listed
    }
}
