using Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Infrastructure.Idempotency;

/// <summary>Worker job: forgets Idempotency-Keys once they are older than the configured retention.</summary>
public sealed class IdempotencyKeyPurge(IDocumentStore store, TimeProvider clock, IOptions<WinBackOptions> options,
    ILogger<IdempotencyKeyPurge> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Idempotency-Key purge failed; it runs again in {Interval}", Interval);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task PurgeAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - options.Value.IdempotencyRetention;
        await using var session = store.LightweightSession();
        session.DeleteWhere<IdempotencyRecord>(r => r.CreatedAt < cutoff);
        await session.SaveChangesAsync(ct);
    }
}
