using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Customers;

/// <summary>Two tenants using the same customer id never see or touch each other's customer.</summary>
public sealed class CustomerTenantIsolationTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task Every_customer_route_is_scoped_to_the_callers_tenant()
    {
        var a = await app.CreateTenantAsync(name: "a");
        var b = await app.CreateTenantAsync(name: "b");
        (await a.Ingest.PostAsJsonAsync("/v1/customers/shared/activities", new { type = "purchase", amount = 100, currency = "eur", externalId = "o1" }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        (await a.Ingest.PutAsJsonAsync("/v1/customers/shared", new { email = "a@example.com" })).EnsureSuccessStatusCode();

        await (await b.Admin.GetAsync("/v1/customers/shared")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        await (await b.Admin.GetAsync("/v1/customers/shared/events")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        (await b.Admin.GetFromJsonAsync<JsonElement>("/v1/customers")).GetProperty("data").GetArrayLength().ShouldBe(0);

        // The same customer id and externalId in tenant b is a different customer, not a duplicate.
        (await b.Ingest.PostAsJsonAsync("/v1/customers/shared/activities", new { type = "purchase", amount = 7, currency = "usd", externalId = "o1" }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        (await b.Ingest.PostAsJsonAsync("/v1/activities/batch", new { activities = new[] { new { customerId = "shared", type = "login" } } }))
            .EnsureSuccessStatusCode();
        (await b.Ingest.PutAsJsonAsync("/v1/customers/shared", new { email = "b@example.com" })).EnsureSuccessStatusCode();

        var inA = await a.Admin.GetFromJsonAsync<JsonElement>("/v1/customers/shared");
        inA.GetProperty("email").GetString().ShouldBe("a@example.com");
        inA.GetProperty("orderCount").GetInt32().ShouldBe(1);
        inA.GetProperty("lifetimeValue").EnumerateArray().Single().GetProperty("currency").GetString().ShouldBe("eur");
        (await a.Admin.GetFromJsonAsync<JsonElement>("/v1/customers/shared/events")).GetProperty("data").GetArrayLength().ShouldBe(2);
        (await b.Admin.GetFromJsonAsync<JsonElement>("/v1/customers/shared/events")).GetProperty("data").GetArrayLength().ShouldBe(3);
    }
}
