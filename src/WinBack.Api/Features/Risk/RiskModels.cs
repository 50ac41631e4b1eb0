using System.Collections.Concurrent;
using Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Risk;

namespace WinBack.Api.Features.Risk;

/// <summary>
/// A tenant's purchase model: reads its stream, and runs one fit on the aggregated histories at the tenant's time.
/// Others read the model in force through <see cref="CurrentAsync"/> (scores, the at-risk trigger).
/// </summary>
[Published]
public sealed class RiskModels(IDocumentStore store, TenantClock clock, IOptions<WinBackOptions> options, ILogger<RiskModels> logger)
{
    // The folded model per tenant with the stream version it folds up to. Every read checks the version (one primary-key row),
    // so a fit by another process is seen at once; only an unchanged stream skips the replay of every fit.
    private readonly ConcurrentDictionary<string, (long Version, RiskModel? Model)> _folded = new();

    /// <summary>The tenant's model (null before its first fit); its <see cref="RiskModel.InForce"/> is what scores use.</summary>
    public async Task<RiskModel?> CurrentAsync(string tenantId, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenantId);
        if (await session.Events.FetchStreamStateAsync(RiskModel.StreamId, ct) is not { } stream)
            return null;
        if (_folded.TryGetValue(tenantId, out var known) && known.Version == stream.Version)
            return known.Model;
        var events = await session.Events.FetchStreamAsync(RiskModel.StreamId, stream.Version, token: ct);
        var model = events.Select(e => e.Data).OfType<IRiskModelEvent>().Aggregate((RiskModel?)null, RiskModel.Evolve);
        _folded[tenantId] = (stream.Version, model);
        return model;
    }

    /// <summary>Every fit of the tenant, oldest first.</summary>
    public async Task<IReadOnlyList<IRiskModelEvent>> HistoryAsync(string tenantId, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenantId);
        var events = await session.Events.FetchStreamAsync(RiskModel.StreamId, token: ct);
        return events.Select(e => e.Data).OfType<IRiskModelEvent>().ToList();
    }

    /// <summary>Fits the tenant's model now and records the outcome on its stream.</summary>
    public async Task<IRiskModelEvent> FitAsync(string tenantId, CancellationToken ct)
    {
        var settings = options.Value.Risk;
        var now = await clock.NowAsync(tenantId, ct);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var data = await RiskHistories.LoadAsync(store, tenantId, now, ct);
        var loaded = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        IRiskModelEvent outcome;
        if (data.Customers < settings.MinCustomers || data.RepeatBuyers < settings.MinRepeatBuyers)
            outcome = new RiskModelInsufficientData(RiskModel.StreamId, data.Population, now);
        else
            try
            {
                // The optimiser is CPU-bound: off the request and loop threads.
                var fit = await Task.Run(() => BgNbdFitter.Fit(data, settings.MaxIterations), ct);
                outcome = new RiskModelFitted(RiskModel.StreamId, fit.Parameters, fit.LogLikelihood, data.Population, fit.Iterations,
                    Calibration.Of(data, fit.Parameters), now);
            }
            catch (BgNbdFitFailed e)
            {
                outcome = new RiskModelFitFailed(RiskModel.StreamId, e.Message, data.Population, now);
            }
        await using var session = store.LightweightSession(tenantId);
        session.Events.Append(RiskModel.StreamId, outcome);
        await session.SaveChangesAsync(ct);
        logger.LogInformation("Risk model of tenant {TenantId}: {Outcome} over {Customers} customers ({Rows} rows read in {LoadMs} ms, fitted in {FitMs} ms)",
            tenantId, outcome.GetType().Name, data.Customers, data.Count, (long)loaded.TotalMilliseconds,
            (long)(System.Diagnostics.Stopwatch.GetElapsedTime(started) - loaded).TotalMilliseconds);
        return outcome;
    }
}
