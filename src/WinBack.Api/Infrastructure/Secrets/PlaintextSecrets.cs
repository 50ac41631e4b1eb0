namespace WinBack.Api.Infrastructure.Secrets;

/// <summary>A store that earlier versions of WinBack filled with secrets in plain text, and that can encrypt them in place.</summary>
public interface ISealsPlaintextSecrets
{
    /// <summary>What it holds, for the log ("webhook secrets").</summary>
    string What { get; }

    /// <summary>Encrypts what is still plain; returns how many it sealed. Safe to run again, and beside another process.</summary>
    Task<int> SealPlaintextAsync(CancellationToken ct);
}

/// <summary>
/// Worker start-up: encrypts what earlier versions stored in plain text, so that after the first start of this version
/// none is left. Readers still accept a plain value (a process of the earlier version may write one during an upgrade);
/// the next start seals it. A store that fails is logged and tried again at the next start; the others go on.
/// </summary>
public sealed class PlaintextSecretSealing(IEnumerable<ISealsPlaintextSecrets> stores, ILogger<PlaintextSecretSealing> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var store in stores)
        {
            try
            {
                var count = await store.SealPlaintextAsync(cancellationToken);
                if (count > 0)
                    logger.LogInformation("Encrypted {Count} {What} that an earlier version stored in plain text", count, store.What);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Encrypting the {What} stored in plain text failed; it is tried again at the next start", store.What);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
