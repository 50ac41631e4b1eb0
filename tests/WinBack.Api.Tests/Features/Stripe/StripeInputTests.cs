using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Stripe;

/// <summary>What a tenant sends about Stripe is checked like any other input: keys by their format, signed events by their text.</summary>
public sealed class StripeInputTests(StripeApp app) : IClassFixture<StripeApp>
{
    // A key or secret that cannot be Stripe's is refused by its format, before any call to Stripe (once a 500 or 502).
    [Theory]
    [InlineData("secretKey", "sk_test_51Hx Key0000000000")]
    [InlineData("secretKey", "sk_test_51HxKéy0000000000")]
    [InlineData("secretKey", "sk_test_\u0000abcdefgh")]
    [InlineData("secretKey", "sk_test_short")]
    [InlineData("secretKey", "pk_test_51HxKey0000000000")]
    [InlineData("webhookSigningSecret", "whsec_with space in it")]
    [InlineData("webhookSigningSecret", "whsec_ünïcode0000")]
    public async Task A_malformed_key_or_secret_is_a_400_naming_it_and_stripe_is_not_called(string field, string value)
    {
        var tenant = await app.CreateTenantAsync();
        var calls = app.Fake.Calls.Count;
        var body = new JsonObject { ["secretKey"] = StripeFake.SecretKey, ["webhookSigningSecret"] = "whsec_test_fake_signing_secret_0123456789" };
        body[field] = value;

        var problem = await (await tenant.Admin.PutAsync("/v1/integrations/stripe", RuleRequests.Json(body)))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        problem.FieldErrors(field).ShouldNotBeEmpty();
        app.Fake.Calls.Count.ShouldBe(calls);
    }

    [Fact]
    public async Task An_over_long_key_is_refused()
    {
        var tenant = await app.CreateTenantAsync();
        var body = new JsonObject { ["secretKey"] = "sk_test_" + new string('a', 300), ["webhookSigningSecret"] = "whsec_test_fake_signing_secret_0123456789" };

        var problem = await (await tenant.Admin.PutAsync("/v1/integrations/stripe", RuleRequests.Json(body)))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        problem.FieldErrors("secretKey").ShouldNotBeEmpty();
    }

    [Fact]
    public async Task A_signed_event_holding_NUL_is_refused_before_it_is_looked_up_or_applied()
    {
        var tenant = await app.CreateTenantAsync();
        await StripeApp.ConnectAsync(tenant);
        var payload = """{"id":"evt_nul\u0000","object":"event","type":"invoice.paid","created":1795510800,"data":{"object":{"id":"in_1","object":"invoice","customer":"cus_\u0000","amount_paid":100,"currency":"eur"}}}""";
        var t = app.Clock.GetUtcNow().ToUnixTimeSeconds();
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(StripeSigning.Secret), Encoding.UTF8.GetBytes($"{t}.{payload}")));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/integrations/stripe/webhooks/{tenant.Id}")
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Stripe-Signature", $"t={t},v1={signature}");

        var problem = await (await app.CreateClient().SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        problem.FieldErrors("body").Single().ShouldContain("'id'");
    }
}
