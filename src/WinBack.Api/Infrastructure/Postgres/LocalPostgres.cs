using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace WinBack.Api.Infrastructure.Postgres;

/// <summary>
/// Starts and stops a PostgreSQL cluster from the machine's own binaries, for local runs and tests.
/// Production points <c>ConnectionStrings__WinBack</c> at a managed server and never uses this.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private const string Superuser = "postgres";
    private readonly LocalPostgresOptions _options;
    private readonly PostgresBinaries _binaries;
    private bool _running;

    private LocalPostgres(LocalPostgresOptions options, PostgresBinaries binaries)
    {
        _options = options;
        _binaries = binaries;
    }

    public int Port { get; private set; }
    public string DataDir => _options.DataDir;
    public string Database => _options.Database;

    /// <summary>Connection string to the server's maintenance database; use <see cref="ConnectionStringFor"/> for others.</summary>
    public string AdminConnectionString => ConnectionStringFor("postgres");

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = Superuser, Database = database,
            // Pooling stays on; tests and dev runs open many short sessions.
            MaxPoolSize = 50,
        }.ConnectionString;

    /// <summary>Initialises the data folder if needed, then starts the server on a free loopback port.</summary>
    public static async Task<LocalPostgres> StartAsync(LocalPostgresOptions options, CancellationToken ct = default)
    {
        var binaries = PostgresBinaries.Find(options.BinDir);
        var server = new LocalPostgres(options, binaries);
        await server.InitAndStartAsync(ct);
        return server;
    }

    private async Task InitAndStartAsync(CancellationToken ct)
    {
        var dataDir = Path.GetFullPath(_options.DataDir);
        Directory.CreateDirectory(dataDir);
        if (RunningAsRoot)
            await RunAsync("chown", ["-R", $"{Superuser}:{Superuser}", dataDir], asServerUser: false, ct);

        if (!File.Exists(Path.Combine(dataDir, "PG_VERSION")))
        {
            await RunAsync(_binaries.InitDb,
                ["-D", dataDir, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"],
                asServerUser: true, ct);
        }

        // A server left running by a killed earlier run would hold the folder: stop it first.
        if (await StatusIsRunningAsync(dataDir, ct))
            await RunAsync(_binaries.PgCtl, ["-D", dataDir, "-m", "immediate", "-w", "stop"], asServerUser: true, ct);

        for (var attempt = 1; ; attempt++)
        {
            Port = _options.Port ?? FreeLoopbackPort();
            var settings = $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections={_options.MaxConnections}";
            if (!_options.Durable)
                settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
            try
            {
                await RunAsync(_binaries.PgCtl,
                    ["-D", dataDir, "-l", Path.Combine(dataDir, "server.log"), "-w", "-t", "60", "-o", settings, "start"],
                    asServerUser: true, ct);
                _running = true;
                break;
            }
            catch (LocalPostgresException) when (attempt < 3 && _options.Port is null)
            {
                // Another process may have taken the port between probing and binding; try another.
            }
        }

        await EnsureDatabaseAsync(_options.Database, ct);
    }

    /// <summary>Creates a database if it does not exist yet.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(ct);
        await using var exists = Sql.Command(connection, "select 1 from pg_database where datname = @name", ("name", database));
        if (await exists.ExecuteScalarAsync(ct) is not null)
            return;
        await using var create = Sql.Command(connection, $"create database \"{database.Replace("\"", "\"\"")}\"");
        await create.ExecuteNonQueryAsync(ct);
    }

    public async Task StopAsync()
    {
        if (!_running)
            return;
        _running = false;
        NpgsqlConnection.ClearAllPools();
        await RunAsync(_binaries.PgCtl, ["-D", Path.GetFullPath(_options.DataDir), "-m", "fast", "-w", "stop"],
            asServerUser: true, CancellationToken.None);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task<bool> StatusIsRunningAsync(string dataDir, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(dataDir, "postmaster.pid")))
            return false;
        var (exitCode, _) = await ExecAsync(_binaries.PgCtl, ["-D", dataDir, "status"], asServerUser: true, ct);
        return exitCode == 0;
    }

    private static bool RunningAsRoot => Environment.IsPrivilegedProcess && OperatingSystem.IsLinux();

    private static async Task RunAsync(string file, IReadOnlyList<string> args, bool asServerUser, CancellationToken ct)
    {
        var (exitCode, output) = await ExecAsync(file, args, asServerUser, ct);
        if (exitCode != 0)
            throw new LocalPostgresException($"'{Path.GetFileName(file)} {string.Join(' ', args)}' failed with exit code {exitCode}:\n{output}");
    }

    // initdb and the server refuse to run as root, so as root they run as the postgres user.
    private static async Task<(int ExitCode, string Output)> ExecAsync(
        string file, IReadOnlyList<string> args, bool asServerUser, CancellationToken ct)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asServerUser && RunningAsRoot)
        {
            start.FileName = "runuser";
            foreach (var a in new[] { "-u", Superuser, "--", file }) start.ArgumentList.Add(a);
        }
        else
        {
            start.FileName = file;
        }
        foreach (var a in args) start.ArgumentList.Add(a);

        using var process = Process.Start(start) ?? throw new LocalPostgresException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed record LocalPostgresOptions(string DataDir, string Database = "winback")
{
    /// <summary>Folder holding initdb and pg_ctl; found on PATH or under /usr/lib/postgresql when null.</summary>
    public string? BinDir { get; init; }

    /// <summary>The port to listen on; a free one when null. A restart on the same port keeps connection strings valid.</summary>
    public int? Port { get; init; }

    /// <summary>Throwaway test clusters turn fsync off; a developer's local data keeps it on.</summary>
    public bool Durable { get; init; } = true;

    /// <summary>PostgreSQL's max_connections. A test run holds many services' pools on one cluster at once, and raises it.</summary>
    public int MaxConnections { get; init; } = 200;
}

public sealed class LocalPostgresException(string message) : Exception(message);
