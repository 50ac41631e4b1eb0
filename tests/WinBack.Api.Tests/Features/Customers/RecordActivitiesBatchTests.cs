using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Customers;

public sealed class RecordActivitiesBatchTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task Bad_items_are_reported_by_index_and_never_block_the_good_ones()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.Ingest.PostAsJsonAsync("/v1/customers/cus_b/activities", new { type = "login", externalId = "seen" });

        var response = await tenant.Ingest.PostAsJsonAsync("/v1/activities/batch", new
        {
            activities = new object[]
            {
                new { customerId = "cus_a", type = "purchase", amount = 500, currency = "eur" },
                new { customerId = "cus_a", type = "purchase", amount = 500 },
                new { customerId = "cus_b", type = "login", externalId = "seen" },
                new { customerId = "bad/id", type = "login" },
                new { customerId = "cus_c", type = "subscription_cancelled", reason = "switched" },
            },
        });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var results = body.GetProperty("results").EnumerateArray().ToList();
        results.Select(r => r.GetProperty("index").GetInt32()).ShouldBe([0, 1, 2, 3, 4]);
        results.Select(r => r.GetProperty("status").GetString()).ShouldBe(["created", "rejected", "duplicate", "rejected", "created"]);
        results[1].GetProperty("error").GetProperty("errors").GetProperty("currency").GetArrayLength().ShouldBe(1);
        results[3].GetProperty("error").GetProperty("errors").GetProperty("customerId").GetArrayLength().ShouldBe(1);
        (body.GetProperty("created").GetInt32(), body.GetProperty("duplicates").GetInt32(), body.GetProperty("rejected").GetInt32())
            .ShouldBe((2, 1, 2));

        (await tenant.Ingest.GetFromJsonAsync<JsonElement>("/v1/customers/cus_a")).GetProperty("orderCount").GetInt32().ShouldBe(1);
        (await tenant.Ingest.GetFromJsonAsync<JsonElement>("/v1/customers/cus_c")).GetProperty("status").GetString().ShouldBe("cancelled");
    }

    [Fact]
    public async Task Many_activities_for_the_same_customers_all_count()
    {
        var tenant = await app.CreateTenantAsync();
        var items = Enumerable.Range(0, 1000).Select(i => new { customerId = $"cus_{i % 10}", type = "purchase", amount = 1, currency = "eur" });

        var body = await (await tenant.Ingest.PostAsJsonAsync("/v1/activities/batch", new { activities = items })).Content.ReadFromJsonAsync<JsonElement>();

        body.GetProperty("created").GetInt32().ShouldBe(1000);
        for (var c = 0; c < 10; c++)
            (await tenant.Ingest.GetFromJsonAsync<JsonElement>($"/v1/customers/cus_{c}")).GetProperty("orderCount").GetInt32().ShouldBe(100);
    }

    [Fact]
    public async Task An_empty_or_oversized_batch_is_a_bad_request()
    {
        var tenant = await app.CreateTenantAsync();
        var tooMany = Enumerable.Range(0, 1001).Select(_ => new { customerId = "c", type = "login" });

        await (await tenant.Ingest.PostAsJsonAsync("/v1/activities/batch", new { activities = Array.Empty<object>() }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        (await (await tenant.Ingest.PostAsJsonAsync("/v1/activities/batch", new { activities = tooMany }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).FieldErrors("activities").ShouldNotBeEmpty();
        await (await tenant.Ingest.PostAsJsonAsync("/v1/activities/batch", new { }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }
}
