using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Infrastructure.Auth;

/// <summary>Changes that move time or redirect where credits go take an admin key; an ingest key cannot make them.</summary>
public sealed class AdminOnlyChangesTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task Only_an_admin_key_advances_the_test_clock()
    {
        var tenant = await app.CreateTenantAsync();
        var to = new { to = "2026-12-24T09:00:00Z" };

        await (await tenant.Ingest.PostAsJsonAsync("/v1/test-clock/advance", to)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        (await tenant.Ingest.GetFromJsonAsync<JsonElement>("/v1/test-clock")).GetProperty("now").GetString().ShouldBe("2026-11-24T09:00:00Z");
        (await tenant.Admin.PostAsJsonAsync("/v1/test-clock/advance", to)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_ingest_key_sets_a_stripe_customer_id_once_and_only_an_admin_key_changes_or_removes_it()
    {
        var tenant = await app.CreateTenantAsync();

        (await PutAsync(tenant.Ingest, "cus_a", "cus_StripeFirst", "a@example.com")).StatusCode.ShouldBe(HttpStatusCode.OK, "the first setting");
        (await PutAsync(tenant.Ingest, "cus_a", "cus_StripeFirst", "new@example.com")).StatusCode.ShouldBe(HttpStatusCode.OK, "sent unchanged");
        await (await PutAsync(tenant.Ingest, "cus_a", "cus_StripeAttacker", "new@example.com"))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        await (await PutAsync(tenant.Ingest, "cus_a", null, "new@example.com")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        (await StripeIdAsync(tenant, "cus_a")).ShouldBe("cus_StripeFirst");

        (await PutAsync(tenant.Admin, "cus_a", "cus_StripeMoved", "new@example.com")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await StripeIdAsync(tenant, "cus_a")).ShouldBe("cus_StripeMoved");
    }

    [Fact]
    public async Task Concurrent_first_settings_by_ingest_keys_leave_one_winner()
    {
        var tenant = await app.CreateTenantAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => PutAsync(tenant.Ingest, "cus_race", $"cus_Stripe{i}", null)));

        answers.Count(a => a.StatusCode == HttpStatusCode.OK).ShouldBeGreaterThanOrEqualTo(1);
        answers.ShouldAllBe(a => a.StatusCode == HttpStatusCode.OK || a.StatusCode == HttpStatusCode.Forbidden);
        var winner = await StripeIdAsync(tenant, "cus_race");
        var events = await tenant.Ingest.GetFromJsonAsync<JsonElement>("/v1/customers/cus_race/events?limit=100");
        events.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("data").GetProperty("stripeCustomerId").GetString())
            .Distinct().ShouldBe([winner], "no ingest write replaced another's id");
    }

    [Fact]
    public async Task An_ingest_keys_import_cannot_re_point_a_stripe_customer_id_and_an_admin_keys_can()
    {
        var tenant = await app.CreateTenantAsync();
        (await PutAsync(tenant.Ingest, "cus_i", "cus_StripeFirst", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        const string repoint = """{"customerId":"cus_i","stripeCustomerId":"cus_StripeAttacker","firstSeenAt":"2025-01-01T00:00:00Z","lastActivityAt":"2026-01-01T00:00:00Z","orderCount":1,"lifetimeValue":{"amount":100,"currency":"eur"}}""";
        const string fresh = """{"customerId":"cus_j","stripeCustomerId":"cus_StripeNew","firstSeenAt":"2025-01-01T00:00:00Z","lastActivityAt":"2026-01-01T00:00:00Z","orderCount":1,"lifetimeValue":{"amount":100,"currency":"eur"}}""";

        var byIngest = await ImportAsync(tenant.Ingest, repoint, fresh);

        byIngest.GetProperty("imported").GetInt64().ShouldBe(1, byIngest.ToString());
        var error = byIngest.GetProperty("errors").EnumerateArray().Single();
        error.GetProperty("line").GetInt64().ShouldBe(1);
        error.GetProperty("message").GetString()!.ShouldContain("admin");
        (await StripeIdAsync(tenant, "cus_i")).ShouldBe("cus_StripeFirst");
        (await StripeIdAsync(tenant, "cus_j")).ShouldBe("cus_StripeNew", "a first setting by import is allowed");

        var byAdmin = await ImportAsync(tenant.Admin, repoint.Replace("Attacker", "Moved"));
        byAdmin.GetProperty("imported").GetInt64().ShouldBe(1, byAdmin.ToString());
        (await StripeIdAsync(tenant, "cus_i")).ShouldBe("cus_StripeMoved");
    }

    private static async Task<JsonElement> ImportAsync(HttpClient client, params string[] lines)
    {
        var response = await client.PostAsync("/v1/customers/import",
            new StringContent(string.Join("\n", lines) + "\n", System.Text.Encoding.UTF8, "application/x-ndjson"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        return await Eventually.ReadAsync(() => client.GetFromJsonAsync<JsonElement>($"/v1/imports/{id}"),
            job => job.GetProperty("status").GetString() is "completed" or "failed", $"import {id} finished");
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string customerId, string? stripeCustomerId, string? email) =>
        client.PutAsJsonAsync($"/v1/customers/{customerId}", new { email, stripeCustomerId });

    private static async Task<string?> StripeIdAsync(TestTenant tenant, string customerId) =>
        (await tenant.Admin.GetFromJsonAsync<JsonElement>($"/v1/customers/{customerId}")).GetProperty("stripeCustomerId").GetString();
}
