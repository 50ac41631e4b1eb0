using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WinBack.Api.Features.Imports;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Imports;

public sealed class ImportLongLineTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static string Line(string id) =>
        $$$"""{"customerId":"{{{id}}}","firstSeenAt":"2025-01-01T00:00:00Z","lastActivityAt":"2026-05-01T00:00:00Z","orderCount":1,"lifetimeValue":{"amount":100,"currency":"eur"}}""";

    // A JSON line of about 2 MiB: valid JSON, so only its length can refuse it.
    private static readonly string TwoMiB = $$"""{"customerId":"long","email":"{{new string('a', 2 * 1024 * 1024)}}"}""";

    [Fact]
    public async Task A_line_over_1_MiB_is_refused_by_number_and_the_lines_around_it_are_imported()
    {
        var tenant = await app.CreateTenantAsync();

        var job = await ImportAsync(tenant.Ingest, $"{Line("l1")}\n{TwoMiB}\n{Line("l2")}\n{TwoMiB}");

        job.GetProperty("status").GetString().ShouldBe("completed");
        job.GetProperty("linesRead").GetInt64().ShouldBe(4);
        job.GetProperty("imported").GetInt64().ShouldBe(2);
        var errors = job.GetProperty("errors").EnumerateArray().ToList();
        errors.Select(e => e.GetProperty("line").GetInt64()).ShouldBe([2, 4], "the last line has no line break and is refused too");
        errors.ShouldAllBe(e => e.GetProperty("message").GetString() == ImportLines.TooLong);
        (await tenant.Ingest.GetAsync("/v1/customers/l1")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await tenant.Ingest.GetAsync("/v1/customers/l2")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Lines_split_across_reads_carriage_returns_and_a_byte_order_mark_read_as_before()
    {
        var exactlyTheLimit = new string('x', ImportLines.MaxLineBytes);
        var text = "\uFEFFfirst\r\n\n" + new string('y', 100_000) + "\n" + exactlyTheLimit + "\n" + exactlyTheLimit + "z\nlast";
        await using var file = new MemoryStream(Encoding.UTF8.GetBytes(text));

        var lines = new List<string?>();
        await foreach (var line in ImportLines.ReadFromAsync(file, atStart: true, CancellationToken.None))
            lines.Add(line.Text);

        lines.Select(l => l?.Length).ShouldBe<int?>([5, 0, 100_000, ImportLines.MaxLineBytes, null, 4]);
        lines[0].ShouldBe("first");
        lines[^1].ShouldBe("last");
    }

    private static async Task<JsonElement> ImportAsync(HttpClient client, string body)
    {
        var response = await client.PostAsync("/v1/customers/import", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        return await Eventually.ReadAsync(() => client.GetFromJsonAsync<JsonElement>($"/v1/imports/{id}"),
            job => job.GetProperty("status").GetString() is "completed" or "failed", $"import {id} finishing");
    }
}
