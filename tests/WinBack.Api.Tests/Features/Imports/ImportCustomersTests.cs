using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Imports;

public sealed class ImportCustomersTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static string Line(string id, int orders, long value, string currency = "eur", string lastActivity = "2026-05-01T00:00:00Z") =>
        $$$"""{"customerId":"{{{id}}}","firstSeenAt":"2025-01-01T00:00:00Z","lastActivityAt":"{{{lastActivity}}}","orderCount":{{{orders}}},"lifetimeValue":{"amount":{{{value}}},"currency":"{{{currency}}}"}}""";

    private static async Task<JsonElement> ImportAsync(HttpClient client, params string[] lines)
    {
        var content = new StringContent(string.Join("\n", lines) + "\n", Encoding.UTF8, "application/x-ndjson");
        var response = await client.PostAsync("/v1/customers/import", content);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var job = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.Headers.Location!.ToString().ShouldBe($"/v1/imports/{job.GetProperty("id").GetString()}");
        return await WaitForCompletionAsync(client, job.GetProperty("id").GetString()!);
    }

    // Polls the job the way a client would, until it finishes or 30 s pass.
    private static async Task<JsonElement> WaitForCompletionAsync(HttpClient client, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var job = await client.GetFromJsonAsync<JsonElement>($"/v1/imports/{id}");
            if (job.GetProperty("status").GetString() is "completed" or "failed" || DateTime.UtcNow > deadline)
                return job;
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Bad_lines_are_reported_by_number_and_the_good_ones_are_imported()
    {
        var tenant = await app.CreateTenantAsync();

        var job = await ImportAsync(tenant.Ingest,
            Line("c1", 3, 3000),
            Line("c2", 1, 100, currency: "euro"),
            "{not json",
            "",
            Line("c3", -1, 100),
            Line("c4", 2, 500, lastActivity: "2024-01-01T00:00:00Z"),
            Line("c5", 0, 0));

        job.GetProperty("status").GetString().ShouldBe("completed");
        job.GetProperty("linesRead").GetInt64().ShouldBe(7);
        job.GetProperty("imported").GetInt64().ShouldBe(2);
        job.GetProperty("rejected").GetInt64().ShouldBe(4);
        var errors = job.GetProperty("errors").EnumerateArray().ToList();
        errors.Select(e => e.GetProperty("line").GetInt64()).ShouldBe([2, 3, 5, 6]);
        errors[0].GetProperty("message").GetString()!.ShouldContain("lifetimeValue.currency");
        errors[1].GetProperty("message").GetString()!.ShouldStartWith("The line is not valid JSON");
        errors[2].GetProperty("message").GetString()!.ShouldContain("orderCount");
        errors[3].GetProperty("message").GetString()!.ShouldContain("lastActivityAt");

        var c1 = await tenant.Ingest.GetFromJsonAsync<JsonElement>("/v1/customers/c1");
        c1.GetProperty("orderCount").GetInt32().ShouldBe(3);
        c1.GetProperty("lastActivityAt").GetString().ShouldBe("2026-05-01T00:00:00Z");
        (await tenant.Ingest.GetAsync("/v1/customers/c2")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Importing_the_same_file_again_changes_nothing_and_an_overlapping_file_does_not_double()
    {
        var tenant = await app.CreateTenantAsync();
        string[] file = [Line("d1", 3, 3000), Line("d2", 1, 100)];
        await ImportAsync(tenant.Ingest, file);
        (await tenant.Ingest.PostAsJsonAsync("/v1/customers/d1/activities", new { type = "purchase", amount = 50, currency = "eur" }))
            .EnsureSuccessStatusCode();

        var again = await ImportAsync(tenant.Ingest, file);
        var overlapping = await ImportAsync(tenant.Ingest, Line("d1", 3, 3000), Line("d3", 5, 700));

        again.GetProperty("duplicateOf").GetString().ShouldStartWith("imp_");
        again.GetProperty("imported").GetInt64().ShouldBe(0);
        overlapping.GetProperty("imported").GetInt64().ShouldBe(2);
        var d1 = await tenant.Ingest.GetFromJsonAsync<JsonElement>("/v1/customers/d1");
        d1.GetProperty("orderCount").GetInt32().ShouldBe(4, "3 imported once, plus 1 recorded");
        d1.GetProperty("lifetimeValue")[0].GetProperty("amount").GetInt64().ShouldBe(3050);
    }

    [Fact]
    public async Task A_line_may_bring_a_birthday_and_a_bad_one_is_rejected_by_line()
    {
        var tenant = await app.CreateTenantAsync();

        var job = await ImportAsync(tenant.Ingest, Line("b1", 1, 100).Replace("{\"customerId\"", "{\"birthday\":\"02-29\",\"customerId\""),
            Line("b2", 1, 100).Replace("{\"customerId\"", "{\"birthday\":\"02-30\",\"customerId\""));

        job.GetProperty("imported").GetInt64().ShouldBe(1);
        job.GetProperty("errors").EnumerateArray().Single().GetProperty("message").GetString()!.ShouldContain("birthday");
        (await tenant.Ingest.GetFromJsonAsync<JsonElement>("/v1/customers/b1")).GetProperty("birthday").GetString().ShouldBe("02-29");
    }

    [Fact]
    public async Task A_non_ndjson_body_is_415_and_another_tenants_job_is_404()
    {
        var owner = await app.CreateTenantAsync(name: "owner");
        var other = await app.CreateTenantAsync(name: "other");

        await (await owner.Ingest.PostAsync("/v1/customers/import", new StringContent("[]", Encoding.UTF8, "application/json")))
            .ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        var job = await ImportAsync(owner.Ingest, Line("e1", 1, 1));
        await (await other.Admin.GetAsync($"/v1/imports/{job.GetProperty("id").GetString()}"))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, "resource_missing");
        (await other.Admin.GetAsync("/v1/customers/e1")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
