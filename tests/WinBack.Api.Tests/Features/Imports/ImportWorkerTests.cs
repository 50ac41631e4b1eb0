using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WinBack.Api.Features.Imports;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Imports;

/// <summary>A process of the service with a role, small import batches (many checkpoints) and a quick import poll.</summary>
public sealed class ImportHost(string? connectionString, string role) : WinBackApp
{
    protected override Task<string> DatabaseAsync() => connectionString is null ? base.DatabaseAsync() : Task.FromResult(connectionString);

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["WinBack:Role"] = role, ["WinBack:Workers:ImportBatchLines"] = "10", ["WinBack:Workers:ImportPoll"] = "00:00:00.200",
    };
}

public sealed class ImportWorkerTests
{
    private static string Line(int n) =>
        $$$"""{"customerId":"c{{{n}}}","firstSeenAt":"2025-01-01T00:00:00Z","lastActivityAt":"2026-05-01T00:00:00Z","orderCount":{{{n % 7}}},"lifetimeValue":{"amount":{{{n}}},"currency":"eur"}}""";

    private static string File(int lines) => string.Join("\n", Enumerable.Range(1, lines).Select(Line)) + "\n";

    private static async Task<string> UploadAsync(HttpClient client, string body)
    {
        var response = await client.PostAsync("/v1/customers/import", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static Task<JsonElement> JobAsync(HttpClient client, string id) => client.GetFromJsonAsync<JsonElement>($"/v1/imports/{id}");

    private static Task<JsonElement> WaitAsync(HttpClient client, string id, Func<JsonElement, bool> done, string what) =>
        Eventually.ReadAsync(() => JobAsync(client, id), done, what);

    private static long Number(JsonElement job, string field) => job.GetProperty(field).GetInt64();

    // Imported events per customer of the tenant: every line's customer exactly once.
    private static async Task ImportedOnceAsync(string connectionString, string tenantId, long customers)
    {
        (await Db.ScalarAsync(connectionString, "select count(*) from winback.mt_events where tenant_id = @tenant and type = 'customer_imported'", tenantId))
            .ShouldBe(customers);
        (await Db.ScalarAsync(connectionString,
            "select count(distinct stream_id) from winback.mt_events where tenant_id = @tenant and type = 'customer_imported'", tenantId)).ShouldBe(customers);
    }

    [Fact]
    public async Task The_upload_is_stored_in_the_database_before_202_and_any_worker_process_imports_it()
    {
        await using var api = new ImportHost(null, "api");
        await api.InitializeAsync();
        var tenant = await api.CreateTenantAsync();
        var body = File(1200);
        var id = await UploadAsync(tenant.Ingest, body);

        // Nothing on this host's disk; the bytes are in PostgreSQL; no API process imports.
        System.IO.File.Exists(Path.Combine(Path.GetTempPath(), "winback-imports", $"{id}.ndjson")).ShouldBeFalse();
        (await Db.ScalarAsync(api.ConnectionString, "select sum(length(bytes)) from winback.import_chunk where import_id = @id", tenant.Id, ("id", id)))
            .ShouldBe(Encoding.UTF8.GetByteCount(body));
        var queued = await JobAsync(tenant.Ingest, id);
        queued.GetProperty("status").GetString().ShouldBe("queued");
        Number(queued, "totalLines").ShouldBe(1200);
        Number(queued, "bytes").ShouldBe(Encoding.UTF8.GetByteCount(body));

        await using var worker = new ImportHost(api.ConnectionString, "worker");
        await worker.InitializeAsync();
        var job = await WaitAsync(tenant.Ingest, id, j => j.GetProperty("status").GetString() == "completed", "the worker import it");
        (Number(job, "linesRead"), Number(job, "imported"), Number(job, "rejected")).ShouldBe((1200, 1200, 0));
        job.GetProperty("linesPerSecond").GetDouble().ShouldBeGreaterThan(0);
        await ImportedOnceAsync(api.ConnectionString, tenant.Id, 1200);
        // The file goes with the job.
        (await Db.ScalarAsync(api.ConnectionString, "select count(*) from winback.import_chunk where import_id = @id", tenant.Id, ("id", id))).ShouldBe(0);
    }

    [Fact]
    public async Task A_worker_that_stops_mid_import_is_replaced_once_its_lease_runs_out_and_each_line_is_imported_once()
    {
        const int lines = 6000;
        var first = new ImportHost(null, "all");
        await first.InitializeAsync();
        var tenant = await first.CreateTenantAsync();
        var id = await UploadAsync(tenant.Ingest, File(lines));
        var running = await WaitAsync(tenant.Ingest, id, j => Number(j, "linesRead") >= 200, "the import get going");
        running.GetProperty("status").GetString().ShouldBe("running");
        // Progress while running: the rate so far and the time left at it.
        running.GetProperty("linesPerSecond").ValueKind.ShouldBe(JsonValueKind.Number, running.ToString());
        running.GetProperty("secondsLeft").ValueKind.ShouldBe(JsonValueKind.Number, running.ToString());
        await first.DisposeAsync();

        // As if the worker had crashed holding the job: another may take it only when the lease runs out.
        var connectionString = first.ConnectionString;
        (await Db.ExecuteAsync(connectionString,
            "update winback.import_run set claimed_by = 'a-dead-worker', lease_until = now() + interval '2 seconds' where import_id = @id and tenant_id = @tenant",
            tenant.Id, ("id", id))).ShouldBe(1);
        var stopped = await Db.ScalarAsync(connectionString,
            "select (data ->> 'linesRead')::bigint from winback.mt_doc_importjob where id = @id and tenant_id = @tenant", tenant.Id, ("id", id));
        stopped.ShouldBeLessThan(lines);

        await using var second = new ImportHost(connectionString, "all");
        await second.InitializeAsync();
        var ingest = tenant.On(second).Ingest;
        var job = await WaitAsync(ingest, id, j => j.GetProperty("status").GetString() is "completed" or "failed", "the second process finish the import");
        job.GetProperty("status").GetString().ShouldBe("completed", job.ToString());
        (Number(job, "linesRead"), Number(job, "imported"), Number(job, "rejected"), Number(job, "totalLines")).ShouldBe((lines, lines, 0, lines));
        Number(job, "runs").ShouldBe(2);
        await ImportedOnceAsync(connectionString, tenant.Id, lines);
    }

    [Fact]
    public async Task Cancelling_keeps_the_lines_done_says_where_it_stopped_is_idempotent_and_a_finished_job_is_409()
    {
        await using var app = new ImportHost(null, "all");
        await app.InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var id = await UploadAsync(tenant.Ingest, File(6000));
        await WaitAsync(tenant.Ingest, id, j => Number(j, "linesRead") >= 100, "the import get going");

        var response = await tenant.Ingest.PostAsync($"/v1/imports/{id}/cancel", null);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var cancelled = await response.Content.ReadFromJsonAsync<JsonElement>();
        cancelled.GetProperty("status").GetString().ShouldBe("cancelled");
        var reached = Number(cancelled, "linesRead");
        reached.ShouldBeLessThan(6000);
        Number(cancelled, "imported").ShouldBe(reached);
        await ImportedOnceAsync(app.ConnectionString, tenant.Id, reached);

        var again = await tenant.Admin.PostAsync($"/v1/imports/{id}/cancel", null);
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        Number(await again.Content.ReadFromJsonAsync<JsonElement>(), "linesRead").ShouldBe(reached);
        (await JobAsync(tenant.Ingest, id)).GetProperty("status").GetString().ShouldBe("cancelled");
        await ImportedOnceAsync(app.ConnectionString, tenant.Id, reached);

        var small = await UploadAsync(tenant.Ingest, File(3));
        await WaitAsync(tenant.Ingest, small, j => j.GetProperty("status").GetString() == "completed", "a small import finish");
        var finished = await tenant.Ingest.PostAsync($"/v1/imports/{small}/cancel", null);
        finished.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await finished.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("import_finished");
        (await tenant.Ingest.PostAsync("/v1/imports/imp_nope/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public void A_line_written_again_after_a_resume_changes_nothing_and_a_different_line_for_the_customer_still_applies()
    {
        var imported = new WinBack.Domain.Customers.CustomerImported("c1", "imp_1", "a@example.com", null, new Dictionary<string, string> { ["k"] = "v" },
            DateTimeOffset.Parse("2025-01-01T00:00:00Z"), DateTimeOffset.Parse("2026-05-01T00:00:00Z"), null, 3,
            new WinBack.Domain.Common.Money(300, "eur"), DateTimeOffset.Parse("2026-11-24T09:00:00Z"));
        var customer = WinBack.Domain.Customers.Customer.Evolve(null, imported);

        CustomerImportRunner.ImportedAlready(null, imported).ShouldBeFalse();
        CustomerImportRunner.ImportedAlready(customer, imported).ShouldBeTrue();
        CustomerImportRunner.ImportedAlready(customer, imported with { OrderCount = 4 }).ShouldBeFalse();
        CustomerImportRunner.ImportedAlready(customer, imported with { ImportId = "imp_2" }).ShouldBeFalse();
        CustomerImportRunner.ImportedAlready(customer, imported with { Email = "b@example.com" }).ShouldBeFalse();
    }

    [Fact]
    public async Task A_queued_job_is_cancelled_at_once_and_its_file_removed()
    {
        await using var api = new ImportHost(null, "api");
        await api.InitializeAsync();
        var tenant = await api.CreateTenantAsync();
        var id = await UploadAsync(tenant.Ingest, File(5));

        var response = await tenant.Ingest.PostAsync($"/v1/imports/{id}/cancel", null);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var job = await response.Content.ReadFromJsonAsync<JsonElement>();
        (job.GetProperty("status").GetString(), Number(job, "linesRead")).ShouldBe(("cancelled", 0L));
        (await Db.ScalarAsync(api.ConnectionString, "select count(*) from winback.import_chunk where import_id = @id", tenant.Id, ("id", id))).ShouldBe(0);
    }
}
