using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Imports;

/// <summary>
/// A line that cannot be written fails alone, by its number: the job completes with honest counts, the next tenant's import
/// runs right after it, and a restart changes neither.
/// </summary>
public sealed class ImportPoisonTests
{
    private static string Line(string id) =>
        $$$"""{"customerId":"{{{id}}}","firstSeenAt":"2025-01-01T00:00:00Z","lastActivityAt":"2026-05-01T00:00:00Z","orderCount":1,"lifetimeValue":{"amount":100,"currency":"eur"}}""";

    [Fact]
    public async Task A_line_that_cannot_be_stored_is_rejected_by_number_and_the_rest_of_its_file_and_the_next_import_go_on()
    {
        var first = new WinBackApp();
        await first.InitializeAsync();
        var a = await first.CreateTenantAsync(name: "poisoned");
        var b = await first.CreateTenantAsync(name: "bystander");

        // n2 holds a recorded value stored before amounts were bounded: adding the imported value to it cannot be summed, so
        // line 2 passes every check and fails where it is written, alone.
        await a.ActivityAsync("n2", "purchase", amount: 100);
        await Db.ExecuteAsync(first.ConnectionString,
            "update winback.customer_summary set data = jsonb_set(data::jsonb, '{state,recordedLifetimeValue,eur}', '9223372036854775800')::text where tenant_id = @tenant and id = 'n2'",
            a.Id);
        var poisoned = await StartAsync(a, Line("n1"), Line("n2"), Line("n3"));
        var fine = await StartAsync(b, Line("m1"), Line("m2"));
        var jobA = await WaitAsync(a, poisoned);
        var jobB = await WaitAsync(b, fine);

        jobA.GetProperty("status").GetString().ShouldBe("completed", jobA.ToString());
        jobA.GetProperty("linesRead").GetInt64().ShouldBe(3);
        jobA.GetProperty("imported").GetInt64().ShouldBe(2);
        jobA.GetProperty("rejected").GetInt64().ShouldBe(1);
        var error = jobA.GetProperty("errors").EnumerateArray().Single();
        error.GetProperty("line").GetInt64().ShouldBe(2);
        error.GetProperty("message").GetString()!.ShouldStartWith("The line could not be written: A sum of amounts");
        jobB.GetProperty("status").GetString().ShouldBe("completed");
        jobB.GetProperty("imported").GetInt64().ShouldBe(2, jobB.ToString());
        await CustomersAreAsImportedAsync(a, b);
        await first.DisposeAsync();

        await using var second = new SecondProcess(first.ConnectionString);
        await second.InitializeAsync();
        var (a2, b2) = (a.On(second), b.On(second));
        (await WaitAsync(a2, poisoned)).ToString().ShouldBe(jobA.ToString());
        (await WaitAsync(b2, fine)).ToString().ShouldBe(jobB.ToString());
        await CustomersAreAsImportedAsync(a2, b2);
    }

    private static async Task CustomersAreAsImportedAsync(TestTenant a, TestTenant b)
    {
        foreach (var (tenant, id) in new[] { (a, "n1"), (a, "n3"), (b, "m1"), (b, "m2") })
            (await tenant.CustomerAsync(id)).GetProperty("orderCount").GetInt32().ShouldBe(1, id);
    }

    private static async Task<string> StartAsync(TestTenant tenant, params string[] lines)
    {
        var response = await tenant.Ingest.PostAsync("/v1/customers/import",
            new StringContent(string.Join("\n", lines) + "\n", Encoding.UTF8, "application/x-ndjson"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static Task<JsonElement> WaitAsync(TestTenant tenant, string id) =>
        Eventually.ReadAsync(() => tenant.Ingest.GetFromJsonAsync<JsonElement>($"/v1/imports/{id}"),
            job => job.GetProperty("status").GetString() is "completed" or "failed", $"import {id} finished");
}
