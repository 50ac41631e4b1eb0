using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Stripe;

public sealed class StripeConnectionTests(StripeApp app) : IClassFixture<StripeApp>
{
    private static StringContent Body(string key, string secret = StripeSigning.Secret) =>
        RuleRequests.Json(new JsonObject { ["secretKey"] = key, ["webhookSigningSecret"] = secret });

    [Fact]
    public async Task Connecting_checks_the_key_with_stripe_stores_both_secrets_encrypted_and_shows_them_masked()
    {
        var tenant = await app.CreateTenantAsync();
        (await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/integrations/stripe"), 200)).GetProperty("connected").GetBoolean().ShouldBeFalse();
        await (await tenant.Admin.PutAsync("/v1/integrations/stripe", Body("sk_test_not_the_right_one_000000"))).ShouldBeProblemAsync((HttpStatusCode)422, "stripe_key_rejected");
        await (await tenant.Admin.PutAsync("/v1/integrations/stripe", Body("sk_live_51HxLiveKey0000"))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await tenant.Admin.PutAsync("/v1/integrations/stripe", Body("pk_test_publishable"))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await tenant.Ingest.PutAsync("/v1/integrations/stripe", Body(StripeFake.SecretKey))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        var connected = await EngineRequests.ReadAsync(await tenant.Admin.PutAsync("/v1/integrations/stripe", Body(StripeFake.SecretKey)), 200);
        connected.GetProperty("secretKey").GetString().ShouldBe("sk_test_…0000");
        connected.GetProperty("webhookSigningSecret").GetString().ShouldBe("whsec_…6789");
        connected.GetProperty("webhookUrl").GetString().ShouldBe($"/v1/integrations/stripe/webhooks/{tenant.Id}");
        var status = await tenant.Admin.GetStringAsync("/v1/integrations/stripe");
        status.ShouldContain("\"connected\":true");
        status.ShouldNotContain(StripeFake.SecretKey);
        status.ShouldNotContain(StripeSigning.Secret);

        // At rest: neither secret appears anywhere in the stored document.
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("select data::text from winback.mt_doc_stripeconnection where tenant_id = @t", connection);
            read.Parameters.AddWithValue("t", tenant.Id);
            var stored = (string)(await read.ExecuteScalarAsync())!;
            stored.ShouldNotContain(StripeFake.SecretKey);
            stored.ShouldNotContain(StripeSigning.Secret["whsec_".Length..]);
        }

        (await tenant.Admin.DeleteAsync("/v1/integrations/stripe")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/integrations/stripe"), 200)).GetProperty("connected").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task A_push_stripe_refuses_is_given_up_at_once_and_listed_as_a_failure()
    {
        var tenant = await app.CreateTenantAsync();
        await StripeApp.ConnectAsync(tenant);
        // A Stripe id the fake does not know: Stripe answers 404, which no retry can fix.
        await EngineRequests.ReadAsync(await tenant.Ingest.PutAsync("/v1/customers/cus_ghost", RuleRequests.Json(new JsonObject
            { ["stripeCustomerId"] = "cus_StripeGhost" })), 200);
        var rewardId = await tenant.IssueCreditAsync("cus_ghost");
        var failure = (await Eventually.ReadAsync(async () => JsonNode.Parse(await tenant.Admin.GetStringAsync("/v1/integrations/stripe/failures"))!["data"]!.AsArray(),
            failures => failures.Count > 0, "a failure listed"))[0]!;
        ((string)failure["rewardId"]!).ShouldBe(rewardId);
        ((string)failure["status"]!).ShouldBe("failed");
        ((string)failure["lastError"]!).ShouldContain("No such customer");
        var reward = await EngineRequests.ReadAsync(await tenant.Ingest.GetAsync($"/v1/rewards/{rewardId}"), 200);
        reward.GetProperty("stripeSync").GetProperty("status").GetString().ShouldBe("failed");
        reward.GetProperty("status").GetString().ShouldBe("available"); // WinBack's own ledger is unaffected
        (await tenant.EventsAsync("cus_ghost", "reward_stripe_sync_failed")).ShouldHaveSingleItem()
            .GetProperty("error").GetString()!.ShouldContain("No such customer");
    }
}
