using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Postgres;
using static WinBack.Api.Features.Stripe.StripeTables;
using WinBack.Api.Infrastructure.OpenApi;

namespace WinBack.Api.Features.Stripe;

/// <summary>A Stripe event WinBack received, and what became of it.</summary>
/// <param name="Id">Stripe's event id; pass it as startingAfter for the next page.</param>
/// <param name="Status">applied, ignored, unmatched (waiting for a customer with that Stripe id), rejected or parked.</param>
/// <param name="Reason">Why it was rejected or parked, or why its last try failed.</param>
public sealed record StripeEventView(string Id, string Type, string? StripeCustomerId,
    [property: WireValues("StripeEventStatus", typeof(StripeInbound), nameof(StripeInbound.Statuses))] string Status, string? Reason, DateTimeOffset ReceivedAt);

public sealed class ListStripeEventsRequest : PageRequest
{
    /// <summary>Only events in this state: applied, ignored, unmatched, rejected or parked.</summary>
    [QueryParam]
    public string? Status { get; set; }
}

public sealed class ListStripeEventsValidator : Validator<ListStripeEventsRequest>
{
    private static readonly string[] Statuses =
        [StripeInbound.Applied, StripeInbound.Ignored, StripeInbound.Unmatched, StripeInbound.Rejected, StripeInbound.Parked];

    public ListStripeEventsValidator()
    {
        this.AddPagingRules(c => c is { Length: <= 255 } && c.StartsWith("evt_", StringComparison.Ordinal), "a Stripe event id (evt_…)",
            new SchemaFacts(MaxLength: 255, Pattern: "^evt_"));
        RuleFor(x => x.Status).Must(s => Statuses.Contains(s), new SchemaFacts(Enum: Statuses)).When(x => x.Status is not null)
            .WithMessage($"'status' must be one of {string.Join(", ", Statuses)}.");
    }
}

public sealed class ListStripeEventsEndpoint(IDocumentStore store) : Endpoint<ListStripeEventsRequest, Page<StripeEventView>>
{
    public override void Configure()
    {
        Get("/integrations/stripe/events");
        Roles(ApiScopes.Admin);
        Tags("Stripe");
        Summary(s =>
        {
            s.Summary = "List received Stripe events";
            s.Description = "Every Stripe event WinBack received for your tenant, newest first, with what became of it: applied, ignored " +
                            "(a type WinBack does not use), unmatched (kept until a customer gets that stripeCustomerId), rejected (a value " +
                            "WinBack does not take, such as an amount past 10^12 minor units) or parked (applying it failed 5 times in a row; " +
                            "it is tried again every 30 minutes). reason says why.";
            s.Responses[200] = "A page of events.";
            s.ResponseExamples[200] = new Page<StripeEventView>([new StripeEventView("evt_1Pgc76B7WZ01zgkWwyRHS12y", "invoice.paid", "cus_Q1w2E3r4T5y6U7",
                StripeInbound.Rejected, "'amount_paid' is 9223372036854775807; WinBack records amounts from 0 to 1000000000000 minor units, " +
                                        "so the event is kept but not applied.", DateTimeOffset.Parse("2026-11-24T09:00:00Z"))], HasMore: false);
        });
    }

    public override async Task HandleAsync(ListStripeEventsRequest request, CancellationToken ct)
    {
        var limit = request.Limit ?? Paging.DefaultLimit;
        await using var connection = await Sql.OpenForTenantAsync(store, HttpContext.Caller().RequireTenant(), ct);
        await using var command = Sql.Command(connection, $"""
            select event_id, type, stripe_customer_id, status, reason, received_at from {Inbound} i
            where tenant_id = @tenant and (@status::text is null or status = @status)
              and (@after::text is null or (received_at, event_id) < (select a.received_at, a.event_id from {Inbound} a
                where a.tenant_id = @tenant and a.event_id = @after))
            order by received_at desc, event_id desc limit @take
            """, ("tenant", HttpContext.Caller().RequireTenant()), ("status", request.Status), ("after", request.StartingAfter), ("take", limit + 1));
        var rows = new List<StripeEventView>();
        await using (var r = await command.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                rows.Add(new StripeEventView(r.Get<string>("event_id"), r.Get<string>("type"), r.StringOrNull("stripe_customer_id"), r.Get<string>("status"),
                    r.StringOrNull("reason"), r.Get<DateTimeOffset>("received_at")));
        await Send.OkAsync(Paging.PageOf(rows, request), ct);
    }
}
