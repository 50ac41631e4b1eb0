using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Workers;

/// <summary>The kill tests run one at a time: each starts three processes, and CI has two cores.</summary>
[CollectionDefinition(Name)]
public sealed class WorkerProcesses
{
    public const string Name = "worker processes";
}

/// <summary>
/// One API process and two worker processes (<see cref="ServiceProcess"/>) on a fresh database. The first worker starts
/// alone and is seen leading every loop before the second starts, so <see cref="Leader"/> is the one to kill and
/// <see cref="Standby"/> the one that takes over. Loops are tried every second (takeover poll), and an import's lease is 5 s.
/// </summary>
public sealed class WorkerCluster : IAsyncDisposable
{
    public static readonly string[] Loops = ["engine@main", "stripe-sync@main", "webhook-dispatcher@main"];

    private static readonly Dictionary<string, string> Defaults = new()
    {
        ["WinBack__Webhooks__AllowPrivateTargets"] = "true",
        ["WinBack__Workers__TakeoverPoll"] = "00:00:01",
        ["WinBack__Workers__ImportLease"] = "00:00:05",
        ["WinBack__Workers__ImportPoll"] = "00:00:00.500",
    };

    private readonly HttpClient _platform;

    private WorkerCluster(string connectionString, ServiceProcess api, ServiceProcess leader, ServiceProcess standby)
    {
        (ConnectionString, Api, Leader, Standby) = (connectionString, api, leader, standby);
        _platform = Client(WinBackApp.PlatformKey);
    }

    public string ConnectionString { get; }
    public ServiceProcess Api { get; }
    public ServiceProcess Leader { get; }
    public ServiceProcess Standby { get; }

    /// <param name="settings">Environment variables for every process, on top of the defaults above.</param>
    public static async Task<WorkerCluster> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(Defaults);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            all[key] = value;
        var connectionString = await TestDatabaseServer.CreateDatabaseAsync();
        var api = await ServiceProcess.StartAsync(connectionString, "api", all);
        var leader = await ServiceProcess.StartAsync(connectionString, "worker", all);
        using var platform = new HttpClient { BaseAddress = api.Http.BaseAddress };
        platform.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", WinBackApp.PlatformKey);
        await ServiceProcess.WaitUntilAsync(async () => Loops.All((await LoopsOfAsync(platform, leader.Pid)).Contains), TimeSpan.FromSeconds(30),
            "the first worker leading every loop");
        var standby = await ServiceProcess.StartAsync(connectionString, "worker", all);
        return new WorkerCluster(connectionString, api, leader, standby);
    }

    /// <summary>Stops a worker with SIGKILL or SIGTERM; the clock starts at the signal.</summary>
    public static async Task<Stopwatch> StopAsync(ServiceProcess worker, string signal)
    {
        var since = Stopwatch.StartNew();
        await (signal == "SIGKILL" ? worker.KillAsync() : worker.TerminateAsync());
        return since;
    }

    /// <summary>Waits until the worker leads the loop, as its heartbeat in GET /v1/platform/status says.</summary>
    public Task WaitUntilLeadsAsync(ServiceProcess worker, string loop) =>
        ServiceProcess.WaitUntilAsync(async () => (await LoopsOfAsync(_platform, worker.Pid)).Contains(loop), TimeSpan.FromSeconds(30),
            $"worker {worker.Pid} leading {loop}");

    /// <summary>The worker that holds an import's lease, from <c>winback.import_run</c> (claimed_by is host/pid/guid).</summary>
    public async Task<ServiceProcess?> ImportHolderAsync(string tenantId, string importId)
    {
        var pid = await Db.ScalarAsync(ConnectionString,
            "select coalesce((select split_part(claimed_by, '/', 2)::int from winback.import_run where import_id = @id and lease_until > now()), 0)",
            tenantId, ("id", importId));
        return new[] { Leader, Standby }.SingleOrDefault(w => w.Pid == pid);
    }

    public async Task<TestTenant> CreateTenantAsync(string mode) =>
        await TestTenant.CreateAsync(_platform, Client, mode, $"kill-{mode}");

    /// <summary>An NDJSON import of customers c1..cN, last active at <paramref name="lastActivityAt"/>; answers the job's id.</summary>
    public static async Task<string> UploadImportAsync(TestTenant tenant, int lines, string lastActivityAt = "2025-01-01T00:00:00Z")
    {
        var file = new StringBuilder();
        for (var n = 1; n <= lines; n++)
            file.Append($$$"""{"customerId":"c{{{n}}}","firstSeenAt":"2024-06-01T00:00:00Z","lastActivityAt":"{{{lastActivityAt}}}","orderCount":{{{n % 7}}},"lifetimeValue":{"amount":{{{n}}},"currency":"eur"}}""").Append('\n');
        var response = await tenant.Ingest.PostAsync("/v1/customers/import", new StringContent(file.ToString(), Encoding.UTF8, "application/x-ndjson"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> ImportAsync(TestTenant tenant, string importId) =>
        await tenant.Ingest.GetFromJsonAsync<JsonElement>($"/v1/imports/{importId}");

    /// <summary>Waits until the import has ended (60 s at most) and answers it.</summary>
    public static async Task<JsonElement> WaitForImportAsync(TestTenant tenant, string importId)
    {
        var job = default(JsonElement);
        await ServiceProcess.WaitUntilAsync(async () =>
        {
            job = await ImportAsync(tenant, importId);
            return job.GetProperty("status").GetString() is not ("queued" or "running");
        }, TimeSpan.FromSeconds(60), $"import {importId} ended");
        return job;
    }

    /// <summary>How many events of a type (snake_case) the tenant has, and on how many customers' streams.</summary>
    public async Task<(long Events, long Customers)> EventsAsync(string tenantId, string type) =>
        (await Db.ScalarAsync(ConnectionString, "select count(*) from winback.mt_events where tenant_id = @tenant and type = @type", tenantId,
                ("type", type)),
            await Db.ScalarAsync(ConnectionString, "select count(distinct stream_id) from winback.mt_events where tenant_id = @tenant and type = @type",
                tenantId, ("type", type)));

    private HttpClient Client(string key)
    {
        var client = new HttpClient { BaseAddress = Api.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<IReadOnlyList<string>> LoopsOfAsync(HttpClient platform, int pid)
    {
        var status = await platform.GetFromJsonAsync<JsonElement>("/v1/platform/status");
        return status.GetProperty("workers").EnumerateArray().Where(w => w.GetProperty("pid").GetInt32() == pid)
            .SelectMany(w => w.GetProperty("loops").EnumerateArray().Select(l => l.GetString()!)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        _platform.Dispose();
        await Standby.DisposeAsync();
        await Leader.DisposeAsync();
        await Api.DisposeAsync();
    }
}
