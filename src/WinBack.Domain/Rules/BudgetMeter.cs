using WinBack.Domain.Common;

namespace WinBack.Domain.Rules;

/// <summary>
/// Counts a rule's account credit against its total and daily budgets, in the budget's currency. The preview and
/// the sweep share it; a sweep's decisions for one rule share one meter, from several threads, hence the lock.
/// </summary>
/// <param name="spent">Credit the rule issued before this meter; <paramref name="spentToday"/> of it on the current UTC day.</param>
public sealed class BudgetMeter(Limits limits, Money? spent, Money? spentToday)
{
    private readonly string? _currency = limits.BudgetCurrency();
    private readonly long _spent = spent?.Amount ?? 0;
    private readonly long _spentToday = spentToday?.Amount ?? 0;
    private readonly Lock _lock = new();
    // Credit granted through this meter; it counts against both budgets, since a meter lives within one day.
    private long _granted, _needed;

    public int Refused { get; private set; }

    /// <summary>Grants the credit if both budgets still cover it. Rewards without a money value always pass.</summary>
    public bool TrySpend(Money? credit)
    {
        if (_currency is null || credit is null)
            return true;
        lock (_lock)
        {
            _needed = Money.Sum(_needed, credit.Amount);
            var granted = Money.Sum(_granted, credit.Amount);
            if (Money.Sum(_spent, granted) > (limits.TotalBudget?.Amount ?? long.MaxValue)
                || Money.Sum(_spentToday, granted) > (limits.DailyBudget?.Amount ?? long.MaxValue))
            {
                Refused++;
                return false;
            }
            _granted = granted;
            return true;
        }
    }

    public BudgetPreview? Preview() => _currency is null
        ? null
        : new BudgetPreview(limits.TotalBudget, limits.DailyBudget, new Money(_spent, _currency),
            new Money(_spentToday, _currency), new Money(_needed, _currency), Refused > 0);
}
