using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Customers;

public sealed class CustomerProfileAndReadTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task A_profile_is_set_replaced_and_read_back()
    {
        var tenant = await app.CreateTenantAsync();

        var created = await tenant.Ingest.PutAsJsonAsync("/v1/customers/cus_p", new
        {
            email = "ada@example.com", stripeCustomerId = "cus_Q1w2E3", attributes = new Dictionary<string, string> { ["channel"] = "web" },
        });
        created.StatusCode.ShouldBe(HttpStatusCode.OK);
        // Removing a Stripe customer id that is set takes an admin key (AdminOnlyChangesTests).
        var replaced = await (await tenant.Admin.PutAsJsonAsync("/v1/customers/cus_p", new { email = "ada@example.org" }))
            .Content.ReadFromJsonAsync<JsonElement>();

        replaced.GetProperty("email").GetString().ShouldBe("ada@example.org");
        replaced.GetProperty("stripeCustomerId").ValueKind.ShouldBe(JsonValueKind.Null);
        replaced.GetProperty("attributes").EnumerateObject().ShouldBeEmpty();
        replaced.GetProperty("balance").GetArrayLength().ShouldBe(0);
        var read = await tenant.Admin.GetFromJsonAsync<JsonElement>("/v1/customers/cus_p");
        read.GetProperty("email").GetString().ShouldBe("ada@example.org");
    }

    [Theory]
    [InlineData("""{"email":"not-an-email"}""", "email")]
    [InlineData("""{"stripeCustomerId":"acct_123"}""", "stripeCustomerId")]
    public async Task Profile_field_rules_answer_400(string body, string field)
    {
        var tenant = await app.CreateTenantAsync();

        var response = await tenant.Ingest.PutAsync("/v1/customers/cus_q", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).FieldErrors(field).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task More_than_fifty_attributes_are_refused()
    {
        var tenant = await app.CreateTenantAsync();
        var attributes = Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", _ => "v");

        var response = await tenant.Ingest.PutAsJsonAsync("/v1/customers/cus_r", new { attributes });

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).FieldErrors("attributes").ShouldNotBeEmpty();
    }

    [Fact]
    public async Task An_unknown_customer_is_404()
    {
        var tenant = await app.CreateTenantAsync();

        await (await tenant.Ingest.GetAsync("/v1/customers/nobody")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        await (await tenant.Ingest.GetAsync("/v1/customers/nobody/events")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
    }

    [Fact]
    public async Task The_event_trail_lists_every_change_in_order_and_pages_by_version()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.Ingest.PostAsJsonAsync("/v1/customers/cus_e/activities", new { type = "login" });
        await tenant.Ingest.PutAsJsonAsync("/v1/customers/cus_e", new { email = "e@example.com" });
        await tenant.Ingest.PostAsJsonAsync("/v1/customers/cus_e/activities", new { type = "subscription_cancelled", reason = "forgot" });

        var first = await tenant.Admin.GetFromJsonAsync<JsonElement>("/v1/customers/cus_e/events?limit=2");
        var rest = await tenant.Admin.GetFromJsonAsync<JsonElement>("/v1/customers/cus_e/events?afterVersion=2");

        first.GetProperty("data").EnumerateArray().Select(e => (e.GetProperty("version").GetInt64(), e.GetProperty("type").GetString()))
            .ShouldBe([(1L, "activity_recorded"), (2L, "profile_updated")]);
        first.GetProperty("hasMore").GetBoolean().ShouldBeTrue();
        var last = rest.GetProperty("data").EnumerateArray().Single();
        last.GetProperty("version").GetInt64().ShouldBe(3);
        last.GetProperty("data").GetProperty("reason").GetString().ShouldBe("forgot");
        rest.GetProperty("hasMore").GetBoolean().ShouldBeFalse();
    }
}
