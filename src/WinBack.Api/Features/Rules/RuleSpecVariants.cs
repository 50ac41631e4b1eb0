using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.OpenApi;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

/// <summary>
/// Which fields each trigger and reward type takes (RuleFieldsValidator refuses the others), for the document's oneOf: one
/// schema per type, so that generated clients get an InactivityTrigger, an AccountCreditReward, ...
/// </summary>
internal static class RuleSpecVariants
{
    public static readonly IReadOnlyList<SchemaVariant> Triggers =
    [
        Trigger(TriggerType.Inactivity, ["days"], ["activityTypes", "personalWindow"]),
        Trigger(TriggerType.Cancellation, ["days"]),
        Trigger(TriggerType.NeverPurchased, ["days"]),
        Trigger(TriggerType.AtRisk, ["pAliveBelow"]),
        Trigger(TriggerType.Welcome, ["days"]),
        Trigger(TriggerType.NthPurchase, ["count"]),
        Trigger(TriggerType.LifetimeValueReached, ["amount", "currency"]),
        Trigger(TriggerType.Anniversary, ["years"], ["from"]),
        Trigger(TriggerType.Birthday, [], ["daysBefore"]),
        Trigger(TriggerType.UsageDecline, ["activities", "recentDays", "baselineDays", "dropBelow", "minBaseline"], ["rearmAbove"]),
        Trigger(TriggerType.ContactBurst, ["activity", "count", "withinDays"]),
        Trigger(TriggerType.PaymentFailed, []),
        Trigger(TriggerType.CancellationIntent, []),
    ];

    public static readonly IReadOnlyList<SchemaVariant> Rewards =
    [
        Reward(RewardType.AccountCredit, ["amount", "currency", "expiresInDays"], ["grant"]),
        Reward(RewardType.PercentDiscount, ["percent", "expiresInDays"], ["uses", "grant"]),
        Reward(RewardType.FreeProduct, ["sku", "expiresInDays"], ["grant"]),
        Reward(RewardType.Custom, ["payload", "expiresInDays"], ["grant"]),
        Reward(RewardType.Pause, ["days"], ["grant"]),
        Reward(RewardType.TrialExtension, ["days"], ["grant"]),
    ];

    private static SchemaVariant Trigger(TriggerType type, string[] required, string[]? optional = null) =>
        new(type + "Trigger", StrictEnumConverter.WireName(type), required, optional ?? []);

    private static SchemaVariant Reward(RewardType type, string[] required, string[]? optional = null) =>
        new(type + "Reward", StrictEnumConverter.WireName(type), required, optional ?? []);
}
