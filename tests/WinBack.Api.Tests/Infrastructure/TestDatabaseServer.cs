using Npgsql;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server for the whole test run: the one named by ConnectionStrings__WinBack, or a
/// throwaway cluster started with the service's own <see cref="LocalPostgres"/>. Each app fixture
/// gets a database of its own on it. Sharding tests also use a second server (cluster 1), started the same
/// way when first asked for (or the one named by ConnectionStrings__WinBack2), so that two shards sit on two servers.
/// </summary>
public static class TestDatabaseServer
{
    private static readonly Lazy<Task<Func<string, Task<string>>>>[] Servers =
    [
        new(() => StartAsync("ConnectionStrings__WinBack", "pg")),
        new(() => StartAsync("ConnectionStrings__WinBack2", "pg2")),
    ];

    /// <summary>Creates a fresh, empty database on cluster 0 (or 1) and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(int cluster = 0)
    {
        var create = await Servers[cluster].Value;
        return await create($"wb_test_{Guid.NewGuid():N}");
    }

    private static async Task<Func<string, Task<string>>> StartAsync(string variable, string folder)
    {
        var configured = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(configured))
            return database => CreateOnConfiguredServerAsync(configured, database);

        RemoveClustersOfDeadRuns();
        var dataDir = Path.Combine(Path.GetTempPath(), $"winback-tests-{Environment.ProcessId}", folder);
        var local = await LocalPostgres.StartAsync(new LocalPostgresOptions(dataDir) { Durable = false, MaxConnections = 600 });
        lock (Started)
        {
            if (Started.Count == 0)
                AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll(Path.GetDirectoryName(dataDir)!);
            Started.Add(local);
        }
        return async database =>
        {
            await local.EnsureDatabaseAsync(database);
            return local.ConnectionStringFor(database);
        };
    }

    private static readonly List<LocalPostgres> Started = [];

    // One exit hook for both clusters, stopped at once: the test host gives exit handlers little time, and a cluster still
    // running when it kills the process stays behind (RemoveDeadRuns stops those of earlier runs).
    private static void StopAll(string root)
    {
        List<LocalPostgres> servers;
        lock (Started) servers = [.. Started];
        Task.WhenAll(servers.Select(server => server.StopAsync())).GetAwaiter().GetResult();
        try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    // A run that was killed never reaches its ProcessExit clean-up, and its clusters (up to a GB or more each) stay behind,
    // possibly still running: stop and remove those whose test process is gone.
    private static readonly object Cleaning = new();

    private static void RemoveClustersOfDeadRuns()
    {
        lock (Cleaning) RemoveDeadRuns();
    }

    private static void RemoveDeadRuns()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), "winback-tests-*"))
        {
            if (!int.TryParse(Path.GetFileName(dir)["winback-tests-".Length..], out var pid) || IsAlive(pid))
                continue;
            foreach (var postmaster in new[] { "pg", "pg2" }.Select(folder => Path.Combine(dir, folder, "postmaster.pid")))
                if (File.Exists(postmaster) && int.TryParse(File.ReadLines(postmaster).FirstOrDefault(), out var serverPid) && IsAlive(serverPid))
                    StopOrphan(serverPid);
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    // SIGQUIT: PostgreSQL's immediate shutdown (the data is thrown away next).
    private static void StopOrphan(int serverPid)
    {
        using (var kill = System.Diagnostics.Process.Start("kill", ["-QUIT", serverPid.ToString()]))
            kill.WaitForExit();
        for (var i = 0; i < 50 && IsAlive(serverPid); i++)
            Thread.Sleep(100);
    }

    private static bool IsAlive(int pid)
    {
        try { using var process = System.Diagnostics.Process.GetProcessById(pid); return !process.HasExited; }
        catch (ArgumentException) { return false; }
    }

    private static async Task<string> CreateOnConfiguredServerAsync(string connectionString, string database)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand($"create database \"{database}\"", connection))
            await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;
    }
}
