using Marten;
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
        DateTimeOffset asOf, CancellationToken ct)
    {
        if ((limits.TotalBudget ?? limits.DailyBudget)?.Currency is not { } currency)
            return null;
        var dayStart = new DateTimeOffset(asOf.UtcDateTime.Date, TimeSpan.Zero);
        var issued = session.Query<RewardRecord>().Where(r => r.RuleId == ruleId && r.Currency == currency && r.IssuedAt <= asOf);
        var total = await issued.SumAsync(r => r.Amount, ct);
        var today = await issued.Where(r => r.IssuedAt >= dayStart).SumAsync(r => r.Amount, ct);
        return (new Money(total, currency), new Money(today, currency));
    }

    /// <summary>A fresh meter for the rule, starting from what it has spent by <paramref name="asOf"/>.</summary>
    public static async Task<BudgetMeter> MeterAsync(IQuerySession session, string ruleId, Limits limits, DateTimeOffset asOf, CancellationToken ct)
    {
        var spent = await OfAsync(session, ruleId, limits, asOf, ct);
        return new BudgetMeter(limits, spent?.Total, spent?.Today);
    }
}
