using System.Collections.Concurrent;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Services;
using Marten.Subscriptions;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using WinBack.Domain.Webhooks;
using static WinBack.Api.Features.Webhooks.WebhookTables;

namespace WinBack.Api.Features.Webhooks;

/// <summary>Wakes the webhook dispatcher when the outbox just got deliveries.</summary>
public sealed class WebhookSignal : Infrastructure.Hosting.WakeSignal;

/// <summary>
/// Fills the webhook outbox from the event store (a Marten subscription, run by the worker's async daemon): each
/// published event once into <see cref="WebhookTables.Events"/>, and a delivery for every enabled endpoint that wants
/// it. The rows are written in the same transaction as the subscription's progress, so an event is queued exactly
/// once even across crashes, and a re-run inserts nothing twice (the event store sequence is unique).
/// </summary>
[Infrastructure.Hosting.Published]
public sealed class WebhookOutbox : SubscriptionBase
{
    public const string SubscriptionName = "webhook_outbox";
    private readonly Ids _ids;
    private readonly WebhookSignal _signal;
    private readonly ConcurrentDictionary<(string Tenant, string Rule, int Version), RuleDefinition> _ruleVersions = new();

    public WebhookOutbox(Ids ids, WebhookSignal signal)
    {
        _ids = ids;
        _signal = signal;
        Name = SubscriptionName;
        foreach (var type in WebhookEventTypes.Published)
            IncludeType(type);
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken ct)
    {
        var stripeConnected = new Dictionary<string, bool>();
        // The page's endpoints are locked first, in the dispatcher's order, so that an attempt being recorded (which may free
        // the deliveries waiting behind it) is either committed before this page reads the chains or waits for it.
        operations.QueueSqlCommand($"select 1 from {Endpoints} where tenant_id = any(?::text[]) order by tenant_id, id for share",
            (object)page.Events.Select(e => e.TenantId).Distinct().ToArray()); // one argument, not spread over the params array
        var copies = await Moves.CopyMarks.CopiesAsync(operations, page, ct); // a tenant being moved here: sent from its source
        await Infrastructure.Marten.TenantMap.KnowAsync(operations, page.Events.Where(e => !copies(e)).Select(e => e.TenantId));
        foreach (var e in page.Events)
        {
            if (copies(e) || WebhookEventTypes.Of(e.Data) is not { } type)
                continue;
            var tenantId = e.TenantId;
            if (await PublishedAsync(operations, tenantId, e.Data, stripeConnected, ct) is not { } published)
                continue;
            var id = _ids.New("evt");
            var (customerId, ruleId, _) = WebhookEventPayload.Subject(e.Data);
            // A delivery queued behind one that will be retried waits for that retry, like the others behind it (WebhookQueue.RecordAsync).
            operations.QueueSqlCommand(
                $"""
                 with ev as (
                   insert into {Events} (id, tenant_id, seq, type, customer_id, chain, created_at, payload) values (?, ?, ?, ?, ?, ?, ?, ?)
                   on conflict (tenant_id, seq) do nothing returning id, tenant_id, seq, type, chain)
                 insert into {Deliveries} (id, tenant_id, endpoint_id, event_id, event_seq, chain, status, attempts, next_attempt_at, created_at)
                 select '{WebhookDeliveries.IdPrefix}' || replace(gen_random_uuid()::text, '-', ''), ev.tenant_id, w.id, ev.id, ev.seq, ev.chain, 'pending', 0,
                   coalesce((select max(p.next_attempt_at) from {Deliveries} p where p.status = 'pending' and p.endpoint_id = w.id and p.chain = ev.chain),
                     '-infinity'), now()
                 from ev join {Endpoints} w on w.tenant_id = ev.tenant_id and w.enabled and w.events && array[ev.type::text, '*']
                 """,
                id, tenantId, e.Sequence, type, (object?)customerId ?? DBNull.Value, WebhookEventPayload.Chain(customerId, ruleId, id), published.At,
                WebhookEventPayload.Body(id, type, tenantId, customerId, e.Version, published.At, published.Data, published.Message, published.PromotionCode));
        }
        return new WakeAfterCommit(_signal);
    }

    private sealed record Published(object Data, DateTimeOffset At, Message? Message = null, string? PromotionCode = null);

    // What goes out for a stored event. A discount that will be pushed to Stripe is announced (reward.issued) when its
    // promotion code exists, or when the push was given up, not when it is issued: null defers it.
    private async Task<Published?> PublishedAsync(IDocumentOperations operations, string tenantId, object data,
        Dictionary<string, bool> stripeConnected, CancellationToken ct)
    {
        switch (data)
        {
            case RewardIssued issued:
                // The customer is read only when needed: for a discount's Stripe id, or for a rule's message (their email).
                var customer = issued.Type == RewardType.PercentDiscount || issued.RuleId is not null
                    ? await CustomerState.LoadAsync(operations.ForTenant(tenantId), issued.CustomerId, ct)
                    : null;
                if (issued.Type == RewardType.PercentDiscount && Stripe.StripeOutbox.SyncsAtIssue(issued, customer?.StripeCustomerId) &&
                    await Stripe.StripeConnection.IsConnectedAsync(operations, tenantId, stripeConnected, ct))
                    return null;
                return new Published(issued, issued.IssuedAt, await MessageAsync(operations, tenantId, issued, customer, ct));
            case RewardSyncedToStripe synced:
                return await DeferredIssueAsync(operations, tenantId, synced.CustomerId, synced.RewardId, synced.PromotionCode, ct);
            case RewardStripeSyncFailed failed:
                return await DeferredIssueAsync(operations, tenantId, failed.CustomerId, failed.RewardId, promotionCode: null, ct);
            default:
                return new Published(data, WebhookEventPayload.Subject(data).At);
        }
    }

    private async Task<Published?> DeferredIssueAsync(IDocumentOperations operations, string tenantId, string customerId, string rewardId,
        string? promotionCode, CancellationToken ct)
    {
        var customer = await CustomerState.LoadAsync(operations.ForTenant(tenantId), customerId, ct);
        // Only an immediate discount was held back; an on_return one was announced when issued and is not announced twice.
        if (customer?.Reward(rewardId) is not { Issued.Grant: RewardGrant.Immediate } reward)
            return null;
        return new Published(reward.Issued, reward.Issued.IssuedAt, await MessageAsync(operations, tenantId, reward.Issued, customer, ct), promotionCode);
    }


    private async Task<Message?> MessageAsync(IDocumentOperations operations, string tenantId, RewardIssued issued, Customer? customer,
        CancellationToken ct)
    {
        if (issued.RuleId is not { } ruleId || issued.RuleVersion is not { } version)
            return null; // a manual reward has no rule, hence no message
        var tenant = operations.ForTenant(tenantId);
        if (!_ruleVersions.TryGetValue((tenantId, ruleId, version), out var rule))
        {
            // Versions never change, so each is read once: fold the rule's stream up to the revision that made it.
            Rule? state = null;
            foreach (var e in await tenant.Events.FetchStreamAsync(ruleId, token: ct))
            {
                if (e.Data is RuleRevised revised && revised.Version > version)
                    break;
                state = Rule.Evolve(state, e.Data);
            }
            if (state is null)
                return null;
            rule = _ruleVersions.GetOrAdd((tenantId, ruleId, version), state.Definition);
        }
        return RewardMessage.Render(rule, issued, customer?.Email);
    }

    private sealed class WakeAfterCommit(WebhookSignal signal) : IChangeListener
    {
        public Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
        {
            signal.Wake();
            return Task.CompletedTask;
        }

        public Task BeforeCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token) => Task.CompletedTask;
    }
}
