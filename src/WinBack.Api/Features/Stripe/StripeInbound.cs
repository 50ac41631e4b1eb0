using Marten;
using Marten.Storage;
using Stripe;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using static WinBack.Api.Features.Stripe.StripeTables;
using Customer = WinBack.Domain.Customers.Customer;
using WinBack.Api.Infrastructure.OpenApi;

namespace WinBack.Api.Features.Stripe;

/// <summary>
/// Turns a verified Stripe event into what it means for the customer with that stripeCustomerId: invoice.paid → a purchase,
/// invoice.payment_failed → a payment_failed activity (with the invoice and its amount_due as properties),
/// charge.refunded → a refund, customer.subscription.created/deleted → subscription started/cancelled (feedback → churn
/// reason), customer.balance_transaction.created of type applied_to_invoice → a redemption of the customer's synced credits.
/// Every effect is idempotent (activities carry externalId "stripe:{event id}", redemptions the invoice as order id), so a
/// redelivered or re-tried event changes nothing twice. A signed event is still the tenant's input: an amount past the bound
/// (or a change the ledger refuses) is recorded as rejected with its reason, never thrown in a loop.
/// </summary>
public sealed class StripeInbound(IDocumentStore store, CustomerEventWriter writer, TenantClock clock, Ids ids, BackgroundHealth health,
    TimeProvider wall)
{
    public const string Applied = "applied", Ignored = "ignored", Unmatched = "unmatched", Rejected = "rejected", Parked = "parked";
    public static readonly IReadOnlyList<string> Statuses = [Applied, Ignored, Unmatched, Rejected, Parked];
    public const string Loop = "stripe_inbound";

    /// <summary>The Stripe customer an event is about, if it names one.</summary>
    public static string? CustomerOf(Event stripeEvent) => stripeEvent.Data.Object switch
    {
        Invoice i => i.CustomerId,
        Charge c => c.CustomerId,
        Subscription s => s.CustomerId,
        CustomerBalanceTransaction t => t.CustomerId,
        _ => null,
    };

    /// <returns>applied, ignored (a type WinBack does not use), unmatched (no customer has that Stripe id yet) or rejected, with why.</returns>
    public async Task<InboundOutcome> ApplyAsync(string tenantId, Event stripeEvent, CancellationToken ct)
    {
        // What the event means: whose it is, the activity it records (none for a redemption), and its amount, churn reason or balance transaction.
        (string? StripeCustomerId, ActivityType? Activity, object? Detail) meaning = stripeEvent.Data.Object switch
        {
            Invoice i when stripeEvent.Type == "invoice.paid" && i.AmountPaid > 0 => (i.CustomerId, ActivityType.Purchase, new Money(i.AmountPaid, i.Currency)),
            Invoice i when stripeEvent.Type == "invoice.payment_failed" => (i.CustomerId, ActivityType.PaymentFailed, FailedPayment(i)),
            Charge c when stripeEvent.Type == "charge.refunded" && c.AmountRefunded > 0 => (c.CustomerId, ActivityType.Refund, new Money(c.AmountRefunded, c.Currency)),
            Subscription s when stripeEvent.Type == "customer.subscription.created" => (s.CustomerId, ActivityType.SubscriptionStarted, null),
            Subscription s when stripeEvent.Type == "customer.subscription.deleted" =>
                (s.CustomerId, ActivityType.SubscriptionCancelled, StripeChurnReasons.Of(s.CancellationDetails?.Feedback)),
            CustomerBalanceTransaction t when stripeEvent.Type == "customer.balance_transaction.created" && t.Type == "applied_to_invoice" =>
                (t.CustomerId, null, t),
            _ => (null, null, null),
        };
        var (stripeCustomerId, activity, reason) = meaning;
        if (stripeCustomerId is null)
            return new InboundOutcome(Ignored);
        if (OutOfBound(stripeEvent.Data.Object) is { } refused)
            return new InboundOutcome(Rejected, refused);
        string? customerId;
        await using (var session = store.QuerySession(tenantId))
            customerId = await CustomerSummaries.IdOfStripeCustomerAsync(session, stripeCustomerId, ct);
        if (customerId is null)
            return new InboundOutcome(Unmatched);
        try
        {
            await ApplyAsync(tenantId, customerId, stripeEvent, activity, reason, ct);
        }
        catch (DomainRuleViolated e)
        {
            return new InboundOutcome(Rejected, e.Message);
        }
        return new InboundOutcome(Applied);
    }

    private async Task ApplyAsync(string tenantId, string customerId, Event stripeEvent, ActivityType? activity, object? reason, CancellationToken ct)
    {
        if (stripeEvent.Data.Object is Charge charge && reason is Money refunded)
        {
            // amount_refunded is the charge's running total: record only what this event adds (events may come out of order).
            var before = await RefundedBeforeAsync(tenantId, charge.Id, ct);
            if (refunded.Amount <= before)
                return;
            reason = new Money(refunded.Amount - before, refunded.Currency);
        }
        var now = await clock.NowAsync(tenantId, ct);
        // Dated when Stripe created it, but never ahead of the tenant's clock (a test tenant's may stand in the past).
        var at = new DateTimeOffset(stripeEvent.Created, TimeSpan.Zero) is var created && created < now ? created : now;
        if (reason is CustomerBalanceTransaction applied)
        {
            await writer.WriteAsync(new CustomerEventWrite(tenantId, customerId, current => RedeemCredits(current!, applied, ids, at)));
            return;
        }
        var record = new RecordActivity(customerId, ids.New("act"), activity!.Value, at, reason as Money, reason as ChurnReason?, null,
            reason as IReadOnlyDictionary<string, string>, $"stripe:{stripeEvent.Id}", now);
        await writer.WriteAsync(CustomerEventWrite.Of(tenantId, CustomerDecider.Decide(record)));
    }

    // What a payment_failed activity keeps of the invoice: which one, and what was due.
    private static IReadOnlyDictionary<string, string> FailedPayment(Invoice i) => new Dictionary<string, string>
    {
        ["invoice"] = i.Id ?? "", ["amountDue"] = i.AmountDue.ToString(System.Globalization.CultureInfo.InvariantCulture), ["currency"] = i.Currency ?? "",
    };

    // The same bound as every other money input (Money.MaxAmount).
    private static string? OutOfBound(object stripeObject) => stripeObject switch
    {
        Invoice i when !Money.IsAmount(i.AmountPaid) => Refuse("amount_paid", i.AmountPaid),
        Charge c when !Money.IsAmount(c.AmountRefunded) => Refuse("amount_refunded", c.AmountRefunded),
        CustomerBalanceTransaction t when t.Amount is < -Money.MaxAmount or > Money.MaxAmount => Refuse("amount", t.Amount),
        _ => null,
    };

    private static string Refuse(string field, long value) =>
        $"'{field}' is {value}; WinBack records amounts from 0 to {Money.MaxAmount} minor units, so the event is kept but not applied.";

    private async Task<long> RefundedBeforeAsync(string tenantId, string chargeId, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using var command = Sql.Command(connection, $"""
            select coalesce(max((payload::jsonb -> 'data' -> 'object' ->> 'amount_refunded')::bigint), 0) from {Inbound}
            where tenant_id = @tenant and type = 'charge.refunded' and status = '{Applied}' and payload::jsonb -> 'data' -> 'object' ->> 'id' = @charge
            """, ("tenant", tenantId), ("charge", chargeId));
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    // Credit Stripe applied to an invoice uses the customer's credits that went to Stripe, the soonest to expire first.
    private static IReadOnlyList<ICustomerEvent> RedeemCredits(Customer customer, CustomerBalanceTransaction applied, Ids ids, DateTimeOffset at)
    {
        var left = Math.Abs(applied.Amount);
        var orderId = applied.InvoiceId ?? applied.Id;
        var events = new List<ICustomerEvent>();
        foreach (var reward in customer.Rewards
                     .Where(r => r is { IsCredit: true, Status: RewardStatus.Available } && r.Issued.Currency == applied.Currency
                                 && (r.StripeSyncs ?? []).Any(s => s.Action == StripeSyncAction.Credit))
                     .OrderBy(r => r.Issued.ExpiresAt))
        {
            if (left == 0)
                break;
            var amount = Math.Min(left, reward.Remaining);
            events.AddRange(LedgerDecider.Decide(new RedeemReward(reward.Id, ids.New("red"), orderId, new Money(amount, applied.Currency), at),
                customer, reward));
            left -= amount;
        }
        return events;
    }

    /// <summary>
    /// Tries again the events that named a Stripe customer nobody had yet (the worker calls it every second; an event still
    /// unmatched waits 5 s for its next try), the least recently tried first, so that no tenant's backlog keeps another's
    /// events from their turn. Each event is a unit of its own: one that fails is recorded with its reason and, after N
    /// failures in a row, parked (tried again when due).
    /// </summary>
    public async Task RetryUnmatchedAsync(IMartenDatabase shard, CancellationToken ct)
    {
        var rows = await UnmatchedAsync(shard, ct);
        var failing = await health.FailingAsync(Loop, shard, ct);
        foreach (var (tenant, id, payload) in rows)
        {
            InboundOutcome outcome;
            try
            {
                outcome = await ApplyAsync(tenant, EventUtility.ParseEvent(payload, throwOnApiVersionMismatch: false), ct);
                if (failing[tenant, id] is not null)
                    await health.ClearAsync(Loop, tenant, [id], ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                var failure = await health.FailedAsync(Loop, tenant, id, e, ct);
                var reason = BackgroundHealth.ReasonOf(e);
                outcome = failure is { Parked: true }
                    ? new InboundOutcome(Parked, $"Applying it failed {failure.Failures} times in a row; it is tried again from time to time. {reason}")
                    : new InboundOutcome(Unmatched, $"The last try failed: {reason}");
            }
            try
            {
                await RecordAsync(tenant, id, outcome, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                await health.FailedAsync(Loop, tenant, id, e, ct);
            }
        }
    }

    // The shard's events due for another try.
    private async Task<IReadOnlyList<(string Tenant, string Id, string Payload)>> UnmatchedAsync(IMartenDatabase shard, CancellationToken ct)
    {
        var rows = new List<(string Tenant, string Id, string Payload)>();
        await using var connection = await Sql.OpenDatabaseAsync(shard, ct);
        await using var command = Sql.Command(connection, $"""
            select i.tenant_id, i.event_id, i.payload from {Inbound} i
            where i.status = '{Unmatched}' and (i.tried_at is null or i.reason is not null or i.tried_at < clock_timestamp() - interval '5 seconds')
              or i.status = '{Parked}' and exists (select 1 from {BackgroundHealth.TableName} u
                where u.loop = @loop and u.tenant_id = i.tenant_id and u.unit_id = i.event_id and u.retry_at <= @now)
            order by i.tried_at nulls first, i.received_at limit 100
            """, ("loop", Loop), ("now", wall.GetUtcNow()));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add((reader.Get<string>("tenant_id"), reader.Get<string>("event_id"), reader.Get<string>("payload")));
        return rows;
    }

    private async Task RecordAsync(string tenantId, string eventId, InboundOutcome outcome, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using var update = Sql.Command(connection, $"""
            update {Inbound} set status = @status, reason = @reason, tried_at = clock_timestamp() where tenant_id = @tenant and event_id = @id
            """, ("status", outcome.Status), ("reason", outcome.Reason), ("tenant", tenantId), ("id", eventId));
        await update.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>What became of a Stripe event: applied, ignored, unmatched, rejected or parked, and why when it was not applied.</summary>
public sealed record InboundOutcome(string Status, string? Reason = null);
