using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster for one test, which the test stops and starts again on the same port (so connection
/// strings stay valid). Never the shared test server: stopping that would fail every other test.
/// </summary>
public sealed class OwnCluster : IAsyncDisposable
{
    private readonly string _root;
    private LocalPostgres _server;

    private OwnCluster(string root, LocalPostgres server) => (_root, _server) = (root, server);

    public string ConnectionString => _server.ConnectionStringFor(_server.Database);

    public static async Task<OwnCluster> StartAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), $"winback-own-pg-{Guid.NewGuid():N}");
        return new OwnCluster(root, await LocalPostgres.StartAsync(Options(root, port: null)));
    }

    private static LocalPostgresOptions Options(string root, int? port) => new(Path.Combine(root, "pg")) { Durable = false, Port = port };

    /// <summary>pg_ctl stop -m fast: sessions are ended, then the server goes away.</summary>
    public Task StopAsync() => _server.StopAsync();

    public async Task StartAgainAsync() => _server = await LocalPostgres.StartAsync(Options(_root, _server.Port));

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
