using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Infrastructure.Http;

/// <summary>Text PostgreSQL cannot store (NUL, an unpaired surrogate) is a 400 naming the field, wherever it comes in.</summary>
public sealed class StorableTextTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string[]> FieldErrorsAsync(HttpResponseMessage response, string field, string code = "validation_failed") =>
        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, code)).FieldErrors(field);

    [Fact]
    public async Task NUL_in_a_dictionary_value_is_refused_naming_the_field_and_the_entry()
    {
        var tenant = await app.CreateTenantAsync();

        var response = await tenant.Ingest.PostAsync("/v1/customers/cus_1/activities", Json("""{"type":"login","properties":{"k":"a\u0000b"}}"""));

        (await FieldErrorsAsync(response, "properties.k")).Single().ShouldContain("NUL");
        (await tenant.Ingest.GetAsync("/v1/customers/cus_1")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "nothing was written");
    }

    [Fact]
    public async Task NUL_in_a_dictionary_key_and_an_unpaired_surrogate_in_a_string_are_refused()
    {
        var tenant = await app.CreateTenantAsync();

        var key = await tenant.Ingest.PutAsync("/v1/customers/cus_1", Json("""{"attributes":{"a\u0000":"x"}}"""));
        var surrogate = await tenant.Ingest.PutAsync("/v1/customers/cus_1", Json("""{"email":"a\ud800@example.com"}"""));

        (await FieldErrorsAsync(key, "attributes")).Single().ShouldContain("key");
        (await FieldErrorsAsync(surrogate, "email")).Single().ShouldContain("surrogate");
    }

    [Fact]
    public async Task NUL_deep_in_a_custom_rewards_payload_is_refused_naming_the_payload_and_where_in_it()
    {
        var tenant = await app.CreateTenantAsync();

        var response = await tenant.Admin.PostAsync("/v1/rules", Json("""
            {"name":"r","trigger":{"type":"inactivity","days":30},
             "reward":{"type":"custom","payload":{"items":[{"note":"x\u0000"}]},"expiresInDays":30}}
            """));

        (await FieldErrorsAsync(response, "reward.payload")).Single().ShouldContain("'items[0].note'");
    }

    [Fact]
    public async Task NUL_in_query_values_and_names_is_refused_naming_the_parameter()
    {
        var tenant = await app.CreateTenantAsync();

        (await FieldErrorsAsync(await tenant.Admin.GetAsync("/v1/customers?startingAfter=cus%00x"), "startingAfter")).ShouldNotBeEmpty();
        (await FieldErrorsAsync(await tenant.Admin.GetAsync("/v1/customers?attribute[channel]=w%00b"), "attribute[channel]")).ShouldNotBeEmpty();
        (await FieldErrorsAsync(await tenant.Admin.GetAsync("/v1/reports/reactivation?ruleId=rule%00"), "ruleId")).ShouldNotBeEmpty();
        (await FieldErrorsAsync(await tenant.Admin.GetAsync("/v1/customers?a%00=1"), "query")).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task An_empty_query_value_is_refused_rather_than_read_as_absent()
    {
        var tenant = await app.CreateTenantAsync();

        (await FieldErrorsAsync(await tenant.Admin.GetAsync("/v1/reports/overview?to="), "to")).Single().ShouldContain("empty");
        (await FieldErrorsAsync(await tenant.Admin.GetAsync("/v1/customers/cus_1/ledger?asOf=%20"), "asOf")).Single().ShouldContain("empty");
        (await tenant.Admin.GetAsync("/v1/customers?unknown=")).StatusCode.ShouldBe(HttpStatusCode.OK, "a parameter the endpoint does not take is ignored");
    }

    [Fact]
    public async Task A_bound_header_with_NUL_is_refused_naming_it()
    {
        var tenant = await app.CreateTenantAsync();
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/rules/rule_01jdq3w5x8k2m9v4r7t6y1z0ae") { Content = Json("{}") };
        request.Headers.TryAddWithoutValidation("If-Match", "\"1\0\"");

        (await FieldErrorsAsync(await tenant.Admin.SendAsync(request), "ifMatch")).Single().ShouldContain("If-Match");
    }

    // An empty header never reaches the app through the test server; the middleware refuses it the same way (IsValidKey).
    [Theory]
    [InlineData("   ")]
    [InlineData("key\0")]
    [InlineData("ключ")]
    public async Task An_Idempotency_Key_that_is_blank_or_not_printable_ASCII_is_refused(string key)
    {
        var tenant = await app.CreateTenantAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/customers/cus_1/activities") { Content = Json("""{"type":"login"}""") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        await (await tenant.Ingest.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_idempotency_key");
    }

    [Fact]
    public async Task An_Idempotency_Key_of_255_characters_is_taken_and_one_of_256_is_refused()
    {
        var tenant = await app.CreateTenantAsync();

        HttpRequestMessage Post(string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/customers/cus_1/activities") { Content = Json("""{"type":"login"}""") };
            request.Headers.Add("Idempotency-Key", key);
            return request;
        }

        (await tenant.Ingest.SendAsync(Post(new string('k', 255)))).StatusCode.ShouldBe(HttpStatusCode.Created);
        await (await tenant.Ingest.SendAsync(Post(new string('k', 256)))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_idempotency_key");
    }

    [Fact]
    public async Task An_import_line_with_NUL_fails_alone_with_its_line_number_and_the_others_are_imported()
    {
        var tenant = await app.CreateTenantAsync();
        static string Line(string id, string email = "ada@example.com") =>
            $$$"""{"customerId":"{{{id}}}","email":"{{{email}}}","firstSeenAt":"2025-01-01T00:00:00Z","lastActivityAt":"2026-05-01T00:00:00Z","orderCount":1,"lifetimeValue":{"amount":100,"currency":"eur"}}""";
        var content = new StringContent(string.Join("\n", Line("c1"), Line("c2", email: "a\\u0000@example.com"), Line("c3")) + "\n",
            Encoding.UTF8, "application/x-ndjson");

        var accepted = await (await tenant.Ingest.PostAsync("/v1/customers/import", content)).Content.ReadFromJsonAsync<JsonElement>();
        var job = await Eventually.ReadAsync(
            () => tenant.Ingest.GetFromJsonAsync<JsonElement>($"/v1/imports/{accepted.GetProperty("id").GetString()}"),
            j => j.GetProperty("status").GetString() is "completed" or "failed", "the import to finish");

        job.GetProperty("status").GetString().ShouldBe("completed");
        job.GetProperty("imported").GetInt64().ShouldBe(2);
        var error = job.GetProperty("errors").EnumerateArray().Single();
        error.GetProperty("line").GetInt64().ShouldBe(2);
        error.GetProperty("message").GetString()!.ShouldStartWith("email:");
        (await tenant.Ingest.GetAsync("/v1/customers/c3")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await tenant.Ingest.GetAsync("/v1/customers/c2")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
