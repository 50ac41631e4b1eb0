using System.Text.Json;
using System.Text.Json.Nodes;
using JasperFx.Events;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Features.Webhooks;

/// <summary>Turns a stored event into the published one: who it is about, when it happened, and its data.</summary>
public static class WebhookEventPayload
{
    /// <summary>The chain a delivery belongs to: the events of one customer (or rule) go out one after the other.</summary>
    public static string Chain(string? customerId, string? ruleId, string eventId) =>
        customerId is not null ? "c:" + customerId : ruleId is not null ? "r:" + ruleId : "e:" + eventId;

    /// <summary>The customer (or rule) the event is about, and when it happened in the tenant's time (for a discount announced
    /// after its Stripe push, the outbox dates it at issue instead).</summary>
    public static (string? CustomerId, string? RuleId, DateTimeOffset At) Subject(object data) => data switch
    {
        CustomerLapsed e => (e.CustomerId, null, e.DetectedAt),
        RewardIssued e => (e.CustomerId, null, e.IssuedAt),
        RewardRedeemed e => (e.CustomerId, null, e.RedeemedAt),
        RewardExpiryApproached e => (e.CustomerId, null, e.NoticedAt),
        RewardSyncedToStripe e => (e.CustomerId, null, e.SyncedAt),
        RewardStripeSyncFailed e => (e.CustomerId, null, e.FailedAt),
        RewardExpired e => (e.CustomerId, null, e.ExpiredAt),
        RewardRevoked e => (e.CustomerId, null, e.RevokedAt),
        CustomerReactivated e => (e.CustomerId, null, e.ReactivatedAt),
        SaveOfferPresented e => (e.CustomerId, null, e.PresentedAt),
        SaveOfferAccepted e => (e.CustomerId, null, e.AcceptedAt),
        SaveOfferDeclined e => (e.CustomerId, null, e.DeclinedAt),
        SaveOfferValidated e => (e.CustomerId, null, e.ValidatedAt),
        RuleCreated e => (null, e.RuleId, e.CreatedAt),
        RuleRevised e => (null, e.RuleId, e.RevisedAt),
        RuleActivated e => (null, e.RuleId, e.ActivatedAt),
        RulePaused e => (null, e.RuleId, e.PausedAt),
        RuleArchived e => (null, e.RuleId, e.ArchivedAt),
        _ => throw new ArgumentException($"{data.GetType().Name} is not published."),
    };

    /// <summary>
    /// The body sent for an event about <paramref name="data"/> (the stored event's record, or for reward.issued the reward as
    /// issued); <paramref name="message"/> and <paramref name="promotionCode"/> complete a reward.issued.
    /// </summary>
    public static string Body(string id, string type, string tenantId, string? customerId, long sequence, DateTimeOffset at, object data,
        Message? message, string? promotionCode) =>
        JsonSerializer.Serialize(new WebhookEventView(id, type, at, tenantId, customerId, sequence, Data(data, message, promotionCode)),
            WinBackJson.Options);

    public static string PingBody(string id, string tenantId, string endpointId, DateTimeOffset at) =>
        JsonSerializer.Serialize(new WebhookEventView(id, WebhookEventTypes.Ping, at, tenantId, null, 0,
            JsonSerializer.SerializeToElement(new PingData(endpointId), WinBackJson.Options)), WinBackJson.Options);

    private static JsonElement Data(object data, Message? message, string? promotionCode)
    {
        if (data is IRuleEvent)
            return JsonSerializer.SerializeToElement(RuleChange(data), WinBackJson.Options);
        var node = JsonSerializer.SerializeToNode(data, data.GetType(), WinBackJson.Options)!.AsObject();
        if (data is RewardIssued issued)
        {
            node["message"] = message is null ? null : new JsonObject { ["subject"] = message.Subject, ["body"] = message.Body };
            if (issued.Type == RewardType.PercentDiscount)
                node["promotionCode"] = promotionCode;
        }
        if (data is SaveOfferAccepted accepted)
            node["apply"] = Apply(accepted);
        // The offer as admins write it in a rule, and whether the customer is in the holdout (shown nothing).
        if (data is SaveOfferPresented presented)
        {
            node["offer"] = presented.Offer is { } offer ? JsonSerializer.SerializeToNode(Rules.RuleReward.From(offer), WinBackJson.Options) : null;
            node["holdout"] = presented.Withheld == WithheldReason.Holdout;
        }
        return JsonSerializer.SerializeToElement(node, WinBackJson.Options);
    }

    // What the subscription must become, in Stripe's terms; WinBack applies it itself when pushedToStripe is true.
    private static JsonObject? Apply(SaveOfferAccepted a) => a.RewardType switch
    {
        RewardType.Pause => new JsonObject
        {
            ["subscriptionId"] = a.SubscriptionId,
            ["pauseCollection"] = new JsonObject { ["behavior"] = SaveOfferDecider.PauseBehavior, ["resumesAt"] = a.EndsAt!.Value.ToUnixTimeSeconds() },
        },
        RewardType.TrialExtension => new JsonObject
        {
            ["subscriptionId"] = a.SubscriptionId, ["trialExtensionDays"] = a.Days,
            ["trialEnd"] = "the later of the subscription's current trial_end and now, plus trialExtensionDays",
        },
        _ => null,
    };

    // A rule's change without its whole definition: consumers read the rule with GET /v1/rules/{id}.
    private static RuleChange RuleChange(object data) => data switch
    {
        RuleCreated e => new RuleChange(e.RuleId, "created", 1, e.CreatedBy),
        RuleRevised e => new RuleChange(e.RuleId, "revised", e.Version, e.RevisedBy),
        RuleActivated e => new RuleChange(e.RuleId, "activated", null, e.ActivatedBy),
        RulePaused e => new RuleChange(e.RuleId, "paused", null, e.PausedBy),
        RuleArchived e => new RuleChange(e.RuleId, "archived", null, e.ArchivedBy),
        _ => throw new ArgumentException($"{data.GetType().Name} is not a rule event."),
    };
}
