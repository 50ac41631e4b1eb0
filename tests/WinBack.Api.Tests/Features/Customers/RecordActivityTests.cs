using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Customers;

public sealed class RecordActivityTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_purchase_is_recorded_and_creates_the_customer_on_first_sight()
    {
        var tenant = await app.CreateTenantAsync();

        var response = await tenant.Ingest.PostAsync("/v1/customers/cus_1/activities",
            Json("""{"type":"purchase","amount":4990,"currency":"EUR","occurredAt":"2026-11-20T10:00:00+01:00","properties":{"orderId":"A-1"}}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var activity = await response.Content.ReadFromJsonAsync<JsonElement>();
        activity.GetProperty("id").GetString()!.ShouldStartWith("act_");
        activity.GetProperty("occurredAt").GetString().ShouldBe("2026-11-20T09:00:00Z");
        activity.GetProperty("recordedAt").GetString().ShouldBe("2026-11-24T09:00:00Z");
        activity.GetProperty("currency").GetString().ShouldBe("eur");
        activity.GetProperty("duplicate").GetBoolean().ShouldBeFalse();

        var customer = await tenant.Ingest.GetFromJsonAsync<JsonElement>("/v1/customers/cus_1");
        customer.GetProperty("status").GetString().ShouldBe("active");
        customer.GetProperty("orderCount").GetInt32().ShouldBe(1);
        customer.GetProperty("firstSeenAt").GetString().ShouldBe("2026-11-20T09:00:00Z");
        customer.GetProperty("lastPurchaseAt").GetString().ShouldBe("2026-11-20T09:00:00Z");
        customer.GetProperty("lifetimeValue")[0].GetProperty("amount").GetInt64().ShouldBe(4990);
    }

    [Fact]
    public async Task Activity_without_a_time_happened_at_the_tenants_now_and_admins_may_record_too()
    {
        var tenant = await app.CreateTenantAsync();

        var response = await tenant.Admin.PostAsync("/v1/customers/cus_2/activities", Json("""{"type":"login"}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("occurredAt").GetString().ShouldBe("2026-11-24T09:00:00Z");
    }

    [Fact]
    public async Task The_same_external_id_twice_has_one_effect_and_the_answer_says_duplicate()
    {
        var tenant = await app.CreateTenantAsync();
        const string body = """{"type":"purchase","amount":1000,"currency":"eur","externalId":"order-9"}""";

        var first = await tenant.Ingest.PostAsync("/v1/customers/cus_3/activities", Json(body));
        var second = await tenant.Ingest.PostAsync("/v1/customers/cus_3/activities", Json(body));
        var otherCustomer = await tenant.Ingest.PostAsync("/v1/customers/cus_4/activities", Json(body));

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.StatusCode.ShouldBe(HttpStatusCode.OK);
        otherCustomer.StatusCode.ShouldBe(HttpStatusCode.Created, "externalIds are per customer");
        var original = await first.Content.ReadFromJsonAsync<JsonElement>();
        var duplicate = await second.Content.ReadFromJsonAsync<JsonElement>();
        duplicate.GetProperty("duplicate").GetBoolean().ShouldBeTrue();
        duplicate.GetProperty("id").GetString().ShouldBe(original.GetProperty("id").GetString());
        duplicate.GetProperty("amount").GetInt64().ShouldBe(1000);
        (await tenant.Ingest.GetFromJsonAsync<JsonElement>("/v1/customers/cus_3")).GetProperty("orderCount").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Concurrent_resends_of_one_external_id_are_recorded_once()
    {
        var tenant = await app.CreateTenantAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => tenant.Ingest.PostAsync("/v1/customers/cus_5/activities",
            Json("""{"type":"purchase","amount":1,"currency":"eur","externalId":"order-x"}"""))));

        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(9);
        (await tenant.Ingest.GetFromJsonAsync<JsonElement>("/v1/customers/cus_5")).GetProperty("orderCount").GetInt32().ShouldBe(1);
    }

    [Theory]
    [InlineData("""{}""", "validation_failed", "type")]
    [InlineData("""{"type":"visit"}""", "invalid_json", "type")]
    [InlineData("""{"type":"login","occurredAt":"2026-11-24T09:06:00Z"}""", "validation_failed", "occurredAt")]
    [InlineData("""{"type":"login","occurredAt":"yesterday"}""", "invalid_json", "occurredAt")]
    [InlineData("""{"type":"purchase","currency":"eur"}""", "validation_failed", "amount")]
    [InlineData("""{"type":"refund","amount":100}""", "validation_failed", "currency")]
    [InlineData("""{"type":"purchase","amount":100,"currency":"euro"}""", "validation_failed", "currency")]
    [InlineData("""{"type":"purchase","amount":-5,"currency":"eur"}""", "validation_failed", "amount")]
    [InlineData("""{"type":"purchase","amount":10.5,"currency":"eur"}""", "invalid_json", "amount")]
    [InlineData("""{"type":"login","amount":100}""", "validation_failed", "amount")]
    [InlineData("""{"type":"login","currency":"eur"}""", "validation_failed", "currency")]
    [InlineData("""{"type":"login","reason":"forgot"}""", "validation_failed", "reason")]
    [InlineData("""{"type":"subscription_cancelled","reason":"bored"}""", "invalid_json", "reason")]
    [InlineData("""{"type":"custom"}""", "validation_failed", "name")]
    [InlineData("""{"type":"login","name":"x"}""", "validation_failed", "name")]
    [InlineData("""{"type":"login","externalId":""}""", "validation_failed", "externalId")]
    [InlineData("""{"type":"login","properties":{"a":1}}""", "invalid_json", "properties.a")]
    public async Task Each_field_rule_answers_400_naming_the_field(string body, string code, string field)
    {
        var tenant = await app.CreateTenantAsync();

        var response = await tenant.Ingest.PostAsync("/v1/customers/cus_6/activities", Json(body));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, code);
        problem.FieldErrors(field).Single().ShouldNotBeNullOrWhiteSpace();
        (await tenant.Ingest.GetAsync("/v1/customers/cus_6")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "nothing was written");
    }

    [Fact]
    public async Task Too_many_properties_an_overlong_external_id_and_a_bad_customer_id_are_refused()
    {
        var tenant = await app.CreateTenantAsync();
        var properties = string.Join(",", Enumerable.Range(0, 21).Select(i => $"\"k{i}\":\"v\""));

        (await (await tenant.Ingest.PostAsync("/v1/customers/cus_7/activities", Json($$$"""{"type":"login","properties":{{{{properties}}}}}""")))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).FieldErrors("properties").ShouldNotBeEmpty();
        (await (await tenant.Ingest.PostAsync("/v1/customers/cus_7/activities", Json($$"""{"type":"login","externalId":"{{new string('x', 201)}}"}""")))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).FieldErrors("externalId").ShouldNotBeEmpty();
        (await (await tenant.Ingest.PostAsync($"/v1/customers/{new string('c', 201)}/activities", Json("""{"type":"login"}""")))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).FieldErrors("customerId").ShouldNotBeEmpty();
    }
}
