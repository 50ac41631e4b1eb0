using System.Text.Json;
using System.Text.Json.Serialization;
using FastEndpoints;
using Marten;
using Stripe;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Postgres;
using static WinBack.Api.Features.Stripe.StripeTables;
using WinBack.Api.Infrastructure.OpenApi;

namespace WinBack.Api.Features.Stripe;

/// <summary>What WinBack did with a Stripe event.</summary>
/// <param name="Status">applied, ignored (a type WinBack does not use), unmatched (kept until a customer gets that Stripe id),
/// rejected (a value WinBack does not take, such as an amount past 10^12 minor units; see reason) or parked (it kept failing).</param>
/// <param name="Duplicate">True when this event id was received before; nothing happened again.</param>
/// <param name="Reason">Why the event was rejected or parked; null otherwise.</param>
public sealed record StripeWebhookReceipt(string EventId, string Type,
    [property: WireValues("StripeEventStatus", typeof(StripeInbound), nameof(StripeInbound.Statuses))] string Status, bool Duplicate, string? Reason = null);

/// <summary>The shape of what Stripe posts (documentation only; the body is read as Stripe sent it, to verify its signature).</summary>
/// <param name="ApiVersion">The Stripe API version the event was rendered with; Stripe names it <c>api_version</c>, and WinBack does not check it.</param>
public sealed record StripeEventBody(string Id, string Object, string Type, long Created,
    [property: JsonPropertyName("api_version")] string? ApiVersion, StripeEventData Data);

/// <summary>The event's <c>data</c>: the Stripe object it is about (an invoice, a charge, a subscription, ...), as Stripe sends it.</summary>
public sealed record StripeEventData(IReadOnlyDictionary<string, JsonElement> Object);

public sealed class ReceiveStripeWebhookEndpoint(IDocumentStore store, StripeSecrets secrets, StripeInbound inbound, TimeProvider wall, TenantStore tenants)
    : EndpointWithoutRequest<StripeWebhookReceipt>
{
    public static readonly ApiProblem Unverified = ApiProblem.Of(400, ErrorCodes.StripeSignatureInvalid, "Bad signature",
        "The Stripe-Signature header could not be verified for this URL. Check the tenant id in the URL, that the tenant is " +
        "connected to Stripe, and that its webhook signing secret is the endpoint's in the Stripe dashboard.");

    public override void Configure()
    {
        Post("/integrations/stripe/webhooks/{tenantId}");
        AllowAnonymous();
        Tags("Stripe");
        Options(b => b.WithMetadata(new RawRequestBody("application/json", typeof(StripeEventBody),
            """{"id":"evt_1Pgc76B7WZ01zgkWwyRHS12y","object":"event","type":"invoice.paid","created":1795510800,"api_version":"2026-10-28.endive","data":{"object":{"object":"invoice","id":"in_1Pgc75B7WZ01zgkW","customer":"cus_Q1w2E3r4T5y6U7","amount_paid":4200,"currency":"eur"}}}""",
            "A Stripe event, exactly as Stripe sends it, signed in the Stripe-Signature header.",
            Signature: new SignatureHeader("Stripe-Signature",
                "Stripe's signature of the body: t=<unix time>,v1=<HMAC-SHA256 with the tenant's webhook signing secret>. Verified with " +
                "5 minutes of tolerance; a missing or bad one gets 400 stripe_signature_invalid.",
                "t=1795510800,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"))));
        Summary(s =>
        {
            s.Summary = "Receive a Stripe event";
            s.Description = "Register this URL (with the tenant's id) in the Stripe dashboard. No API key: the Stripe-Signature header is " +
                            "verified with the tenant's webhook signing secret (5 minutes of tolerance); a bad or missing signature " +
                            "gets 400 and nothing is recorded, and so does an unknown or unconnected tenant, with the same answer. Events are deduplicated by id. invoice.paid becomes a purchase (amount_paid), " +
                            "invoice.payment_failed a payment_failed activity (the invoice id, amount_due and currency as properties), " +
                            "charge.refunded a refund (amount_refunded), customer.subscription.created subscription_started, " +
                            "customer.subscription.deleted subscription_cancelled with cancellation_details.feedback as the churn reason, " +
                            "and customer.balance_transaction.created of type applied_to_invoice a redemption of the customer's credits " +
                            "that WinBack pushed to Stripe. Other types get 200 and are ignored. An event for a Stripe customer no " +
                            "WinBack customer has yet is kept and applied once one gets that stripeCustomerId. An amount past 10^12 minor " +
                            "units is kept but rejected, with its reason (GET /v1/integrations/stripe/events lists them).";
            s.Responses[200] = "Received.";
            s.ResponseExamples[200] = new StripeWebhookReceipt("evt_1Pgc76B7WZ01zgkWwyRHS12y", "invoice.paid", StripeInbound.Applied, false);
            s.Responses[400] = "The event could not be verified (stripe_signature_invalid): a bad, stale or missing signature, or a " +
                               "tenant id that is unknown or not connected to Stripe; all get this same answer. A verified event holding " +
                               "text PostgreSQL cannot store gets validation_failed.";
            s.ResponseExamples[400] = Unverified;
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var tenantId = Route<string>("tenantId")!;
        using var reader = new StreamReader(HttpContext.Request.Body);
        var payload = await reader.ReadToEndAsync(ct);
        StripeConnection? connection = null;
        // The path's tenant is anyone's guess until the signature is checked: only a known tenant has a shard to look on.
        if (await tenants.FindAsync(tenantId, ct) is { Status: TenantStatus.Active })
            await using (var session = store.QuerySession(tenantId))
                connection = await session.LoadAsync<StripeConnection>(StripeConnection.TheId, ct);
        Event stripeEvent;
        try
        {
            // An unknown tenant, an unconnected one and a bad signature get the same answer: a stranger learns nothing.
            stripeEvent = connection is null ? throw new StripeException("No connection.") : EventUtility.ConstructEvent(payload,
                HttpContext.Request.Headers["Stripe-Signature"].ToString(), secrets.Unprotect(connection.EncryptedWebhookSecret),
                tolerance: 300, utcNow: wall.GetUtcNow().ToUnixTimeSeconds(), throwOnApiVersionMismatch: false);
        }
        catch (StripeException)
        {
            throw new ApiException(Unverified);
        }
        // A tenant signs its own events: their text (ids looked up in queries, too) must be storable like any other input.
        JsonSerializer.Deserialize<JsonElement>(payload, WinBackJson.Options);

        await using var db = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using (var seen = Sql.Command(db, $"select status, reason from {Inbound} where tenant_id = @tenant and event_id = @id",
                         ("tenant", tenantId), ("id", stripeEvent.Id)))
        await using (var known = await seen.ExecuteReaderAsync(ct))
            if (await known.ReadAsync(ct))
            {
                await Send.OkAsync(new StripeWebhookReceipt(stripeEvent.Id, stripeEvent.Type, known.Get<string>("status"), Duplicate: true,
                    known.StringOrNull("reason")), ct);
                return;
            }
        // Applied first, recorded after: every effect is idempotent, so a crash in between only means Stripe's retry does nothing new.
        var outcome = await inbound.ApplyAsync(tenantId, stripeEvent, ct);
        await using (var record = Sql.Command(db, $"""
            insert into {Inbound} (tenant_id, event_id, type, stripe_customer_id, status, reason, payload, received_at)
            values (@tenant, @id, @type, @customer, @status, @reason, @payload, @at) on conflict do nothing
            """, ("tenant", tenantId), ("id", stripeEvent.Id), ("type", stripeEvent.Type), ("customer", StripeInbound.CustomerOf(stripeEvent)),
            ("status", outcome.Status), ("reason", outcome.Reason), ("payload", payload), ("at", wall.GetUtcNow())))
            await record.ExecuteNonQueryAsync(ct);
        await Send.OkAsync(new StripeWebhookReceipt(stripeEvent.Id, stripeEvent.Type, outcome.Status, Duplicate: false, outcome.Reason), ct);
    }
}
