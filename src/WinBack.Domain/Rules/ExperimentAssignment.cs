using System.Security.Cryptography;
using System.Text;

namespace WinBack.Domain.Rules;

/// <summary>
/// Deterministic, sticky assignment of a customer to a rule's holdout or one of its arms: a hash of tenant, rule
/// and customer picks a point in [0, 1); the first holdoutPercent of that range is the holdout, and the rest is
/// split by the arms' weights. The same customer lands in the same arm every time while the weights stay.
/// </summary>
public static class ExperimentAssignment
{
    /// <summary>The arm's name, or <see cref="Variant.Holdout"/>.</summary>
    public static string Assign(string tenantId, string ruleId, string customerId, RuleDefinition definition)
    {
        var arms = definition.Arms;
        // No holdout and one arm: every point in [0, 1) lands in it, so the hash is not needed (a sweep or a backtest asks this per decision).
        if (definition.HoldoutPercent == 0 && arms.Count == 1)
            return arms[0].Name;
        var point = Point(tenantId, ruleId, customerId);
        var holdout = definition.HoldoutPercent / 100.0;
        if (point < holdout)
            return Variant.Holdout;
        var target = (point - holdout) / (1 - holdout) * arms.Sum(a => a.Weight);
        var cumulative = 0.0;
        foreach (var arm in arms)
        {
            cumulative += arm.Weight;
            if (target < cumulative)
                return arm.Name;
        }
        return arms[^1].Name;
    }

    /// <summary>The customer's arm, or null for the holdout.</summary>
    public static Variant? ArmFor(string tenantId, string ruleId, string customerId, RuleDefinition definition)
    {
        var assignment = Assign(tenantId, ruleId, customerId, definition);
        foreach (var arm in definition.Arms)
            if (arm.Name == assignment)
                return arm;
        return null;
    }

    private static double Point(string tenantId, string ruleId, string customerId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{tenantId}\n{ruleId}\n{customerId}"), hash);
        return (BitConverter.ToUInt64(hash) >> 11) / (double)(1UL << 53);
    }
}
