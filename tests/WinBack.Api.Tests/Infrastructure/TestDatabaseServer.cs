using Npgsql;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server for the whole test run: the one named by ConnectionStrings__WinBack, or a
/// throwaway cluster started with the service's own <see cref="LocalPostgres"/>. Each app fixture
/// gets a database of its own on it.
/// </summary>
public static class TestDatabaseServer
{
    private static readonly Lazy<Task<Func<string, Task<string>>>> Server = new(StartAsync);

    /// <summary>Creates a fresh, empty database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var create = await Server.Value;
        return await create($"wb_test_{Guid.NewGuid():N}");
    }

    private static async Task<Func<string, Task<string>>> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable("ConnectionStrings__WinBack");
        if (!string.IsNullOrWhiteSpace(configured))
            return database => CreateOnConfiguredServerAsync(configured, database);

        RemoveClustersOfDeadRuns();
        var dataDir = Path.Combine(Path.GetTempPath(), $"winback-tests-{Environment.ProcessId}", "pg");
        var local = await LocalPostgres.StartAsync(new LocalPostgresOptions(dataDir) { Durable = false });
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            local.StopAsync().GetAwaiter().GetResult();
            try { Directory.Delete(Path.GetDirectoryName(dataDir)!, recursive: true); } catch (IOException) { }
        };
        return async database =>
        {
            await local.EnsureDatabaseAsync(database);
            return local.ConnectionStringFor(database);
        };
    }

    // A run that was killed never reaches its ProcessExit clean-up, and its cluster (up to a GB or more) stays behind:
    // remove those whose test process and PostgreSQL are both gone.
    private static void RemoveClustersOfDeadRuns()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), "winback-tests-*"))
        {
            if (!int.TryParse(Path.GetFileName(dir)["winback-tests-".Length..], out var pid) || IsAlive(pid))
                continue;
            var postmaster = Path.Combine(dir, "pg", "postmaster.pid");
            if (File.Exists(postmaster) && int.TryParse(File.ReadLines(postmaster).FirstOrDefault(), out var serverPid) && IsAlive(serverPid))
                continue;
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
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
