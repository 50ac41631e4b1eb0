using Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Features.Rewards;
using WinBack.Api.Features.Risk;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Features.Engine;

/// <summary>
/// Moves a test tenant's clock forward and runs, in time order, every sweep tick and expiry that a live deployment
/// would have run in between. Ticks in which nothing can happen are skipped: the runner steps straight to the next
/// tick at which some customer crosses a window, or to the next expiry, so a year costs the work done in it, not
/// its 105,120 ticks. Advances of one tenant take turns. A customer the sweep cannot decide stops the clock at the last
/// tick that ran (409 test_clock_blocked, with the reason); once it has failed N times in a row it is parked, and the
/// clock moves on without it.
/// </summary>
public sealed class TestClockRunner(IDocumentStore store, LapseSweep sweep, RewardExpiry expiry, RiskCrossings crossings, TenantClock clock, BackgroundHealth health,
    TimeProvider wall, IOptions<WinBackOptions> options, SaveOffers.SaveValidation saves)
{
    public const string ClockWouldGoBack = "test_clock_backwards";
    public const string ClockBlocked = "test_clock_blocked";

    public async Task<DateTimeOffset> AdvanceAsync(string tenantId, DateTimeOffset to, CancellationToken ct)
    {
        await using var turn = await SessionLock.AcquireAsync(await Sql.TenantConnectorAsync(store, tenantId), LockKeys.Clock(tenantId), ct);
        var now = await clock.NowAsync(tenantId, ct);
        if (to < now)
            throw new DomainRuleViolated(ClockWouldGoBack, $"The test clock is at {now:yyyy-MM-ddTHH:mm:ssZ}; it never goes back.");
        var cadence = options.Value.Engine.SweepInterval;
        // Ticks at or before the clock's time have run (or, on a frozen clock, were never due).
        var lastTick = now;
        var current = now;
        var parked = await health.FailingAsync(LapseSweep.CustomerLoop, ct, tenantId);
        var context = await crossings.ContextAsync(tenantId, ct);
        while (true)
        {
            await using var session = store.QuerySession(tenantId);
            var nextExpiry = await expiry.NextAsync(session, current, to, ct);
            var nextSweep = await NextSweepTickAsync(session, tenantId, context, lastTick, to, cadence, id => parked.Waiting(tenantId, id, wall.GetUtcNow()), ct);
            // Saves come due at their own moments (30 days after an accept), checked before the expiries and sweeps of the same moment.
            if (await SaveOffers.SaveValidation.NextAsync(session, current, to, ct) is { } v && !(nextExpiry < v) && !(nextSweep < v))
            {
                await saves.RunAsync(tenantId, v, ct);
                await clock.SetAsync(tenantId, current = v, ct);
            }
            else if (nextExpiry is { } e && (nextSweep is null || e <= nextSweep))
            {
                await expiry.RunAsync(tenantId, e, ct);
                await clock.SetAsync(tenantId, current = e, ct);
            }
            else if (nextSweep is { } tick)
            {
                var counts = await sweep.RunAsync(tenantId, tick, progress: null, ct);
                // Customers that could not be decided would be tried again at every later tick: stop at the first.
                if (counts.Failed > 0)
                    throw DomainRuleViolated.Conflict(ClockBlocked,
                        $"The sweep at {tick:yyyy-MM-ddTHH:mm:ssZ} could not decide {counts.Failed} customers (first: {counts.FirstFailure}); the " +
                        $"clock stays at the last tick that ran. Advancing again retries them; a customer that fails " +
                        $"{options.Value.Background.ParkAfterFailures} times in a row is set aside and the clock moves on without it.");
                lastTick = current = tick;
                await clock.SetAsync(tenantId, tick, ct);
            }
            else
                break;
        }
        // Expiries due exactly at 'to' ran above; the rest of the interval had nothing to run but saves waiting for a payment.
        await saves.RunAsync(tenantId, to, ct);
        await clock.SetAsync(tenantId, to, ct);
        return to;
    }

    /// <summary>The first sweep tick after <paramref name="lastTick"/>, up to <paramref name="to"/>, at which some customer has crossed an active rule's window.</summary>
    private static async Task<DateTimeOffset?> NextSweepTickAsync(IQuerySession session, string tenantId, TriggerContext context, DateTimeOffset lastTick,
        DateTimeOffset to, TimeSpan cadence, Func<string, bool> parked, CancellationToken ct)
    {
        var rules = await LapseSweep.ByPriorityAsync(session, ct);
        DateTimeOffset? earliest = null;
        foreach (var rule in rules)
            await foreach (var candidate in LapseCandidates.CrossingsAsync(session, tenantId, rule.Id, rule.Definition, to, context.ForRule(rule.Id, rule.ActivatedAt), ct))
            {
                // A parked customer would make every tick one with work to do.
                if (candidate.CrossingAt is { } crossing && (earliest is null || crossing < earliest) && !parked(candidate.Customer.Id))
                    earliest = crossing;
            }
        if (earliest is not { } first)
            return null;
        var tick = Max(SweepTicks.AtOrAfter(first, cadence), SweepTicks.AtOrAfter(lastTick + TimeSpan.FromTicks(1), cadence));
        return tick <= to ? tick : null;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
}
