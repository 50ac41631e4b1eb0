using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace WinBack.Api.Tests.Infrastructure;

/// <summary>
/// The real service as a separate process (the build output of src/WinBack.Api), for tests about processes: killed
/// with SIGKILL, run as several workers. It binds 127.0.0.1 on a free port; <see cref="Kill"/> or disposal stops it.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    public HttpClient Http { get; }

    /// <summary>Its process id: what the status endpoint and an import's lease name it by.</summary>
    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process wrote to stdout and stderr, line by line, for a test's assertions and failure messages.</summary>
    public ConcurrentQueue<string> Output { get; } = new();

    private ServiceProcess(Process process, HttpClient http) => (_process, Http) = (process, http);

    /// <param name="role">WinBack__Role: all, api or worker.</param>
    /// <param name="settings">Further environment variables, such as WinBack__Webhooks__AllowPrivateTargets.</param>
    public static async Task<ServiceProcess> StartAsync(string connectionString, string role = "all",
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        var start = StartInfo(connectionString, ["--urls", $"http://127.0.0.1:{port}"]);
        start.Environment["WinBack__Role"] = role;
        start.Environment["WinBack__RateLimit__RequestsPerSecond"] = "100000";
        start.Environment["WinBack__RateLimit__Burst"] = "100000";
        start.Environment["WinBack__RateLimit__TenantRequestsPerSecond"] = "100000";
        start.Environment["WinBack__RateLimit__TenantBurst"] = "100000";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        var process = Process.Start(start)!;
        var service = new ServiceProcess(process, http);
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) service.Output.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) service.Output.Enqueue(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitUntilAsync(async () =>
        {
            try { return (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
        }, TimeSpan.FromSeconds(60), $"the {role} process ready");
        return service;
    }

    /// <summary>Creates a test-mode tenant and returns the secret of its key with the given scope (admin or ingest).</summary>
    public async Task<string> CreateTenantKeyAsync(string name, string scope)
    {
        using var platform = ClientWithKey();
        var tenant = await TestTenant.CreateAsync(platform, ClientWithKey, "test", name);
        tenant.Admin.Dispose();
        tenant.Ingest.Dispose();
        return (scope == "admin" ? tenant.AdminKey : tenant.IngestKey).Secret;
    }

    /// <summary>A client of this process that sends the key, or the platform key when none is given.</summary>
    public HttpClient ClientWithKey(string? key = null)
    {
        var client = new HttpClient { BaseAddress = Http.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key ?? WinBackApp.PlatformKey);
        return client;
    }

    /// <summary>Runs one of the service's commands (<c>projections rebuild</c>, ...) to its end; returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunCommandAsync(string connectionString, TimeSpan timeout, params string[] args) =>
        ProcessRun.ToEndAsync(StartInfo(connectionString, args), timeout);

    private static ProcessStartInfo StartInfo(string connectionString, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        start.ArgumentList.Add(ApiAssemblyPath());
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["ConnectionStrings__WinBack"] = connectionString;
        start.Environment["WinBack__PlatformKey"] = WinBackApp.PlatformKey;
        start.Environment["WinBack__DataProtection__Certificate"] = TestKeyRingCertificate.Base64;
        start.Environment["WinBack__DataProtection__CertificatePassword"] = TestKeyRingCertificate.Password;
        return start;
    }

    /// <summary>SIGKILL: no graceful stop, no cleanup; its PostgreSQL sessions end when the OS closes its sockets.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: the host's graceful stop (leases handed back, in-flight work cancelled); waits until it has exited.</summary>
    public async Task TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
    }

    // Safe to call twice: a test that kills and disposes a process by hand also holds it in `await using`, so that a failure
    // before that point does not leave the process running.
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
            await KillAsync();
        _process.Dispose();
        Http.Dispose();
    }

    private bool _disposed;

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what = "the condition")
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Never saw {what} within {timeout}.");
            await Task.Delay(50);
        }
    }

    // The service's own build output, next to this test project's (same configuration).
    private static string ApiAssemblyPath()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "WinBack.sln")))
            root = root.Parent;
        return Path.Combine(root!.FullName, "src", "WinBack.Api", "bin", configuration, framework, "WinBack.Api.dll");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
