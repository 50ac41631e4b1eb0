namespace WinBack.Api.Infrastructure.Postgres;

/// <summary>Stops the local cluster when the host stops. Registered first, so it stops last.</summary>
public sealed class LocalPostgresLifetime(LocalPostgres server, ILogger<LocalPostgresLifetime> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Local PostgreSQL running on 127.0.0.1:{Port}, data in {DataDir}", server.Port, server.DataDir);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await server.StopAsync();
        logger.LogInformation("Local PostgreSQL stopped");
    }
}
