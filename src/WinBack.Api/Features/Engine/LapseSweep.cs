using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Rewards;
using WinBack.Api.Features.Risk;
using WinBack.Api.Features.Rules;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Features.Engine;

/// <summary>
/// One lapse sweep of a tenant at a moment of its clock: for every active rule, highest priority first, the
/// customers near or past its window are decided in batches (<see cref="LapseDecider"/>) through the customer event
/// writer, which decides each on its stream's current state under its lock. So concurrent sweeps, or a sweep and a
/// redemption, never act on the same state twice. Sweeps of one tenant also take turns (<see cref="LockKeys.Sweep"/>),
/// because a rule's budget is metered in memory for the length of one sweep. A customer that cannot be decided fails
/// alone, with its reason recorded (<see cref="CustomerLoop"/>); one that keeps failing is parked and skipped until its
/// next try is due, so it never holds up the rest of the sweep or a test clock.
/// </summary>
[Published]
public sealed class LapseSweep(IDocumentStore store, CustomerEventWriter writer, RiskCrossings crossings, BackgroundHealth health, Ids ids, TimeProvider wall)
{
    public const string CustomerLoop = "sweep_customer";
    private const int BatchSize = 500;

    /// <param name="progress">Called after each batch with the counts so far.</param>
    public async Task<SweepCounts> RunAsync(string tenantId, DateTimeOffset asOf, Func<SweepCounts, Task>? progress, CancellationToken ct)
    {
        await using var turn = await SessionLock.AcquireAsync(await Sql.TenantConnectorAsync(store, tenantId), LockKeys.Sweep(tenantId), ct);
        await using var session = store.QuerySession(tenantId);
        var rules = await ActiveRulesAsync(session, asOf, ct);
        var context = await crossings.ContextAsync(tenantId, ct);
        var failing = await health.FailingAsync(CustomerLoop, ct, tenantId);
        var counts = SweepCounts.None;
        var decided = new HashSet<string>(StringComparer.Ordinal);
        var batch = new List<string>(BatchSize);
        foreach (var rule in rules)
        {
            await foreach (var customerId in LapseCandidates.IdsAsync(session, rule.Definition, asOf, context.ForRule(rule.Id, rule.ActiveSince), ct))
            {
                // A customer found through two rules is decided once, against all rules; a parked one waits for its next try.
                if (!decided.Add(customerId) || failing.Waiting(tenantId, customerId, wall.GetUtcNow()))
                    continue;
                batch.Add(customerId);
                if (batch.Count < BatchSize)
                    continue;
                counts = counts.Add(await DecideAsync(tenantId, rules, context, batch, asOf, failing, ct));
                batch.Clear();
                if (progress is not null)
                    await progress(counts);
            }
        }
        if (batch.Count > 0)
            counts = counts.Add(await DecideAsync(tenantId, rules, context, batch, asOf, failing, ct));
        return counts;
    }

    /// <summary>What a sweep job says about customers that failed; null when none did.</summary>
    public static string? Describe(SweepCounts counts) => counts.Failed == 0
        ? null
        : $"{counts.Failed} customers could not be decided; the next sweep tries them again, and a customer that keeps failing " +
          $"(WinBack__Background__ParkAfterFailures times in a row, 5 by default) is set aside for a while. First: {counts.FirstFailure}";

    /// <summary>The tenant's active rules (of one trigger type, when given), highest priority first, each with its budget as spent so far.</summary>
    public static async Task<IReadOnlyList<ActiveRule>> ActiveRulesAsync(IQuerySession session, DateTimeOffset asOf, CancellationToken ct,
        TriggerType? only = null)
    {
        var rules = new List<ActiveRule>();
        foreach (var r in (await ByPriorityAsync(session, ct)).Where(r => only is null || r.Definition.Trigger.Type == only))
            rules.Add(new ActiveRule(r.Id, r.Version, r.Definition, await RuleSpend.MeterAsync(session, r.Id, r.Definition.Limits, asOf, ct), r.ActivatedAt));
        return rules;
    }

    /// <summary>The tenant's active rules, highest priority first.</summary>
    public static async Task<IReadOnlyList<Rule>> ByPriorityAsync(IQuerySession session, CancellationToken ct)
    {
        var summaries = await session.Query<RuleSummary>().Where(r => r.State.Status == RuleStatus.Active).ToListAsync(ct);
        // Equal priorities cannot overlap (the rules' overlap check), so the id only makes the order stable.
        return summaries.OrderByDescending(r => r.State.Definition.Priority).ThenBy(r => r.Id, StringComparer.Ordinal).Select(r => r.State).ToList();
    }

    private async Task<SweepCounts> DecideAsync(string tenantId, IReadOnlyList<ActiveRule> rules, TriggerContext context, IEnumerable<string> customerIds, DateTimeOffset asOf,
        FailingUnits failing, CancellationToken ct)
    {
        var results = await Task.WhenAll(customerIds.Select(async customerId =>
        {
            try
            {
                var written = await writer.WriteAsync(new CustomerEventWrite(tenantId, customerId,
                    current => LapseDecider.Decide(new DetectLapse(tenantId, rules, ids.New("lap"), ids.New("rwd"), asOf, context), current)));
                return (customerId, Events: written.Events, Failure: (Exception?)null);
            }
            catch (Exception e)
            {
                return (customerId, Events: (IReadOnlyList<ICustomerEvent>)[], Failure: e);
            }
        }));
        foreach (var (customerId, _, failure) in results.Where(r => r.Failure is not null))
            await health.FailedAsync(CustomerLoop, tenantId, customerId, failure!, ct);
        await health.ClearAsync(CustomerLoop, tenantId, results.Where(r => r.Failure is null && failing[tenantId, r.customerId] is not null)
            .Select(r => r.customerId).ToList(), ct);
        var events = results.SelectMany(r => r.Events).ToList();
        var failed = results.Where(r => r.Failure is not null).ToList();
        return new SweepCounts(results.Length, events.OfType<CustomerLapsed>().Count(), events.OfType<RewardIssued>().Count(),
            events.OfType<RewardWithheld>().GroupBy(w => w.Reason).ToDictionary(g => g.Key, g => g.Count()), failed.Count)
        {
            FirstFailure = failed.Select(f => $"{f.customerId}: {BackgroundHealth.ReasonOf(f.Failure!)}").FirstOrDefault(),
        };
    }
}
