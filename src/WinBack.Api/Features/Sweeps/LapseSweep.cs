using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Rewards;
using WinBack.Api.Features.Rules;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Sweeps;

/// <summary>
/// One lapse sweep of a tenant at a moment of its clock: for every active rule, highest priority first, the
/// customers near or past its window are decided in batches (<see cref="LapseDecider"/>) through the customer event
/// writer, which decides each on its stream's current state under its lock. So concurrent sweeps, or a sweep and a
/// redemption, never act on the same state twice. Sweeps of one tenant also take turns (<see cref="ExclusiveRun"/>),
/// because a rule's budget is metered in memory for the length of one sweep.
/// </summary>
public sealed class LapseSweep(IDocumentStore store, CustomerEventWriter writer, Ids ids, ILogger<LapseSweep> logger)
{
    private const int BatchSize = 500;

    /// <param name="progress">Called after each batch with the counts so far.</param>
    public async Task<SweepCounts> RunAsync(string tenantId, DateTimeOffset asOf, Func<SweepCounts, Task>? progress, CancellationToken ct)
    {
        await using var turn = await ExclusiveRun.AcquireAsync(store, $"sweep/{tenantId}", ct);
        await using var session = store.QuerySession(tenantId);
        var rules = await ActiveRulesAsync(session, asOf, ct);
        var counts = SweepCounts.None;
        var decided = new HashSet<string>(StringComparer.Ordinal);
        var batch = new List<string>(BatchSize);
        foreach (var rule in rules)
        {
            foreach (var status in LapseCandidates.StatusesFor(rule.Definition))
            {
                var candidates = LapseCandidates.Query(session, rule.Definition, status, asOf).Select(c => c.Id);
                await foreach (var customerId in candidates.ToAsyncEnumerable(ct))
                {
                    // A customer found through two rules is decided once, against all rules.
                    if (!decided.Add(customerId))
                        continue;
                    batch.Add(customerId);
                    if (batch.Count < BatchSize)
                        continue;
                    counts = counts.Add(await DecideAsync(tenantId, rules, batch, asOf));
                    batch.Clear();
                    if (progress is not null)
                        await progress(counts);
                }
            }
        }
        if (batch.Count > 0)
            counts = counts.Add(await DecideAsync(tenantId, rules, batch, asOf));
        return counts;
    }

    /// <summary>The tenant's active rules, highest priority first, each with its budget as spent so far.</summary>
    public static async Task<IReadOnlyList<ActiveRule>> ActiveRulesAsync(IQuerySession session, DateTimeOffset asOf, CancellationToken ct)
    {
        var rules = new List<ActiveRule>();
        foreach (var r in await ByPriorityAsync(session, ct))
            rules.Add(new ActiveRule(r.Id, r.Version, r.Definition, await RuleSpend.MeterAsync(session, r.Id, r.Definition.Limits, asOf, ct)));
        return rules;
    }

    /// <summary>The tenant's active rules, highest priority first.</summary>
    public static async Task<IReadOnlyList<Rule>> ByPriorityAsync(IQuerySession session, CancellationToken ct)
    {
        var summaries = await session.Query<RuleSummary>().Where(r => r.State.Status == RuleStatus.Active).ToListAsync(ct);
        // Equal priorities cannot overlap (the rules' overlap check), so the id only makes the order stable.
        return summaries.OrderByDescending(r => r.State.Definition.Priority).ThenBy(r => r.Id, StringComparer.Ordinal).Select(r => r.State).ToList();
    }

    private async Task<SweepCounts> DecideAsync(string tenantId, IReadOnlyList<ActiveRule> rules, IEnumerable<string> customerIds, DateTimeOffset asOf)
    {
        var results = await Task.WhenAll(customerIds.Select(async customerId =>
        {
            try
            {
                var written = await writer.WriteAsync(new CustomerEventWrite(tenantId, customerId,
                    current => LapseDecider.Decide(new DetectLapse(tenantId, rules, ids.New("lap"), ids.New("rwd"), asOf), current)));
                return written.Events;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Sweep of tenant {TenantId} could not decide customer {CustomerId}; the next sweep tries again", tenantId, customerId);
                return null;
            }
        }));
        var events = results.OfType<IReadOnlyList<ICustomerEvent>>().SelectMany(e => e).ToList();
        return new SweepCounts(results.Length, events.OfType<CustomerLapsed>().Count(), events.OfType<RewardIssued>().Count(),
            events.OfType<RewardWithheld>().GroupBy(w => w.Reason).ToDictionary(g => g.Key, g => g.Count()),
            results.Count(r => r is null));
    }
}
