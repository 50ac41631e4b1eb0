using Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Common;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rewards;

/// <summary>
/// What a rule has spent of its budget: the account credit it issued in the budget's currency, in total and on
/// the UTC day of <c>asOf</c>, summed from the reward records (which commit with the rewards themselves).
/// </summary>
[Published]
public static class RuleSpend
{
    public static async Task<(Money Total, Money Today)?> OfAsync(IQuerySession session, string ruleId, Limits limits,
        DateTimeOffset asOf, CancellationToken ct) =>
        (await OfManyAsync(session.DocumentStore, session.TenantId, [(ruleId, limits)], asOf, ct)).TryGetValue(ruleId, out var spent) ? spent : null;

    /// <summary>What each rule with a budget has spent, by id, in one query for all of them (a page of rules, or one).</summary>
    public static async Task<IReadOnlyDictionary<string, (Money Total, Money Today)>> OfManyAsync(IDocumentStore store, string tenantId,
        IReadOnlyList<(string RuleId, Limits Limits)> rules, DateTimeOffset asOf, CancellationToken ct)
    {
        var budgeted = rules.Where(r => r.Limits.BudgetCurrency() is not null)
            .Select(r => (r.RuleId, Currency: r.Limits.BudgetCurrency()!)).Distinct().ToDictionary(r => r.RuleId, r => r.Currency);
        var spent = budgeted.ToDictionary(r => r.Key, r => (Total: new Money(0, r.Value), Today: new Money(0, r.Value)));
        if (budgeted.Count == 0)
            return spent;
        const string IssuedAt = "(r.data ->> 'issuedAt')::timestamptz", Amount = "(r.data ->> 'amount')::bigint";
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using var command = Sql.Command(connection, $"""
            select r.rule_id, coalesce(sum({Amount}), 0) as total, coalesce(sum({Amount}) filter (where {IssuedAt} >= @day), 0) as today
            from {Sql.TableOf<RewardRecord>(store)} r
            join unnest(@rules::text[], @currencies::text[]) as u(rule_id, currency) on r.rule_id = u.rule_id and r.data ->> 'currency' = u.currency
            where r.tenant_id = @tenant and {IssuedAt} <= @asof
            group by r.rule_id
            """, ("tenant", tenantId), ("rules", budgeted.Keys.ToArray()), ("currencies", budgeted.Values.ToArray()),
            ("asof", asOf), ("day", new DateTimeOffset(asOf.UtcDateTime.Date, TimeSpan.Zero)));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var ruleId = reader.Get<string>("rule_id");
            // A rule issues only within its budget (at most 10^12 minor units), so its sums fit in 64 bits.
            spent[ruleId] = (new Money(checked((long)reader.Get<decimal>("total")), budgeted[ruleId]),
                new Money(checked((long)reader.Get<decimal>("today")), budgeted[ruleId]));
        }
        return spent;
    }

    /// <summary>A fresh meter for the rule, starting from what it has spent by <paramref name="asOf"/>.</summary>
    public static async Task<BudgetMeter> MeterAsync(IQuerySession session, string ruleId, Limits limits, DateTimeOffset asOf, CancellationToken ct)
    {
        var spent = await OfAsync(session, ruleId, limits, asOf, ct);
        return new BudgetMeter(limits, spent?.Total, spent?.Today);
    }
}
