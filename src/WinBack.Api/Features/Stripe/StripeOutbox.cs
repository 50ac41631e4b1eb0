using System.Text.Json;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten.Subscriptions;
using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using static WinBack.Api.Features.Stripe.StripeTables;

namespace WinBack.Api.Features.Stripe;

/// <summary>
/// Fills the Stripe outbox from the event store (a Marten subscription run by the worker): a credit or discount when a
/// reward for a customer with a stripeCustomerId is issued (or, for on_return rewards, unlocked by the return), the
/// reversal of the unused credit when it expires or is revoked, and an accepted save offer's pause or trial extension. Only for tenants connected to Stripe at that moment.
/// Rows are written in the subscription's transaction and are unique per reward and action.
/// </summary>
[Published]
public sealed class StripeOutbox : SubscriptionBase
{
    public const string SubscriptionName = "stripe_outbox";

    public StripeOutbox()
    {
        Name = SubscriptionName;
        IncludeType<RewardIssued>();
        IncludeType<CustomerReactivated>();
        IncludeType<RewardExpired>();
        IncludeType<RewardRevoked>();
        IncludeType<SaveOfferAccepted>();
    }

    public override async Task<Marten.IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken ct)
    {
        var connected = new Dictionary<string, bool>();
        var copies = await Moves.CopyMarks.CopiesAsync(operations, page, ct); // a tenant being moved here: pushed from its source
        await Infrastructure.Marten.TenantMap.KnowAsync(operations, page.Events.Where(e => !copies(e)).Select(e => e.TenantId));
        foreach (var e in page.Events)
        {
            if (copies(e) || !await StripeConnection.IsConnectedAsync(operations, e.TenantId, connected, ct))
                continue;
            var customerId = ((ICustomerEvent)e.Data).CustomerId;
            var customer = await CustomerState.LoadAsync(operations.ForTenant(e.TenantId), customerId, ct);
            if (customer?.StripeCustomerId is not { } stripeCustomer)
                continue;
            foreach (var (rewardId, action, request) in Syncs(e.Data, customer))
                operations.QueueSqlCommand(Insert(action), e.TenantId, rewardId, customerId, stripeCustomer, action.ToString().ToLowerInvariant(),
                    StripeSyncRequest.IdempotencyKey(rewardId, action), JsonSerializer.Serialize(request, WinBackJson.Options),
                    StripeSyncRequest.IdempotencyKey(rewardId, StripeSyncAction.Credit));
        }
        return Marten.NullChangeListener.Instance;
    }

    /// <summary>Whether a reward goes to Stripe when it is issued (for a connected tenant): immediate credits and discounts of customers with a Stripe id.</summary>
    public static bool SyncsAtIssue(RewardIssued issued, string? stripeCustomerId) =>
        stripeCustomerId is not null && issued.Grant == RewardGrant.Immediate && StripeSyncRequest.ForIssue(issued) is not null;

    private static IEnumerable<(string RewardId, StripeSyncAction Action, StripeSyncRequest Request)> Syncs(object data, Customer customer)
    {
        switch (data)
        {
            case RewardIssued { Grant: RewardGrant.Immediate } issued when StripeSyncRequest.ForIssue(issued) is { } sync:
                yield return (issued.RewardId, sync.Action, sync.Request);
                break;
            case CustomerReactivated returned:
                // on_return rewards reach Stripe when the return unlocks them, not before.
                foreach (var reward in customer.Rewards.Where(r => r.Issued.EpisodeId == returned.EpisodeId && r.Issued.Grant == RewardGrant.OnReturn))
                    if (StripeSyncRequest.ForIssue(reward.Issued) is { } unlocked)
                        yield return (reward.Id, unlocked.Action, unlocked.Request);
                break;
            case RewardExpired { UnusedAmount: > 0 } expired when customer.Reward(expired.RewardId) is { IsCredit: true } reward:
                yield return (reward.Id, StripeSyncAction.Reversal, StripeSyncRequest.Reversal(reward.Issued, expired.UnusedAmount.Value, "expired"));
                break;
            case RewardRevoked { UnusedAmount: > 0 } revoked when customer.Reward(revoked.RewardId) is { IsCredit: true } reward:
                yield return (reward.Id, StripeSyncAction.Reversal, StripeSyncRequest.Reversal(reward.Issued, revoked.UnusedAmount.Value, "revoked"));
                break;
            // A save's pause or trial extension, keyed by its reward (one per offer).
            case SaveOfferAccepted accepted when StripeSyncRequest.ForSave(accepted) is { } save:
                yield return (accepted.RewardId, save.Action, save.Request);
                break;
        }
    }

    // A reversal is queued only for a credit that was queued: a credit that never went to Stripe has nothing to take back.
    private static string Insert(StripeSyncAction action) =>
        $"""
         insert into {Sync} (tenant_id, reward_id, customer_id, stripe_customer_id, action, idempotency_key, request, status, attempts,
           next_attempt_at, created_at)
         select ?, ?, ?, ?, ?, ?, ?::jsonb, 'pending', 0, '-infinity', now()
         where {(action == StripeSyncAction.Reversal ? $"exists (select 1 from {Sync} where idempotency_key = ?)" : "?::text is not null")}
         on conflict (idempotency_key) do nothing
         """;
}
