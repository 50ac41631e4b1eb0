using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Postgres;
using static WinBack.Api.Features.Stripe.StripeTables;

namespace WinBack.Api.Features.Stripe;

/// <summary>A push to Stripe that failed, or is failing and being retried.</summary>
/// <param name="Id">The sync's number; pass it as startingAfter for the next page.</param>
/// <param name="Action">credit, reversal or discount.</param>
/// <param name="Status">pending (retried at nextAttemptAt) or failed (given up: fix the cause, then issue the reward again).</param>
public sealed record StripeFailureView(string Id, string RewardId, string CustomerId, string StripeCustomerId, string Action, string Status,
    int Attempts, string? LastError, DateTimeOffset? NextAttemptAt);

public sealed class ListStripeFailuresRequest : PageRequest;

public sealed class ListStripeFailuresValidator : Validator<ListStripeFailuresRequest>
{
    public ListStripeFailuresValidator() => this.AddPagingRules(c => long.TryParse(c, out var n) && n > 0, "the id of a failure from a previous page",
        new SchemaFacts(Pattern: "^[0-9]+$"));
}

public sealed class ListStripeFailuresEndpoint(IDocumentStore store) : Endpoint<ListStripeFailuresRequest, Page<StripeFailureView>>
{
    public override void Configure()
    {
        Get("/integrations/stripe/failures");
        Roles(ApiScopes.Admin);
        Tags("Stripe");
        Summary(s =>
        {
            s.Summary = "List failing Stripe pushes";
            s.Description = "Credits, reversals and discounts that did not reach Stripe: those being retried (5xx, 429 and timeouts, for up " +
                            "to about 21 hours) and those given up (Stripe refused them, e.g. an unknown customer). Newest first.";
            s.Responses[200] = "A page of failures.";
            s.ResponseExamples[200] = new Page<StripeFailureView>([new StripeFailureView("42", "rwd_01jdq3w5x8k2m9v4r7t6y1z0ag", "cus_4711",
                "cus_Q1w2E3r4T5y6U7", "credit", "failed", 1, "Stripe answered 404: No such customer: 'cus_Q1w2E3r4T5y6U7'", null)], HasMore: false);
        });
    }

    public override async Task HandleAsync(ListStripeFailuresRequest request, CancellationToken ct)
    {
        var limit = request.Limit ?? Paging.DefaultLimit;
        await using var connection = await Sql.OpenForTenantAsync(store, HttpContext.Caller().RequireTenant(), ct);
        await using var command = Sql.Command(connection, $"""
            select n, reward_id, customer_id, stripe_customer_id, action, status, attempts, last_error, next_attempt_at from {Sync}
            where tenant_id = @tenant and (status = 'failed' or status = 'pending' and attempts > 0) and (@after::bigint is null or n < @after)
            order by n desc limit @take
            """, ("tenant", HttpContext.Caller().RequireTenant()),
            ("after", request.StartingAfter is { } after ? long.Parse(after) : null), ("take", limit + 1));
        var rows = new List<StripeFailureView>();
        await using (var r = await command.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                rows.Add(new StripeFailureView(r.Get<long>("n").ToString(), r.Get<string>("reward_id"), r.Get<string>("customer_id"),
                    r.Get<string>("stripe_customer_id"), r.Get<string>("action"), r.Get<string>("status"), r.Get<int>("attempts"), r.StringOrNull("last_error"),
                    r.Get<string>("status") == "pending" ? r.Get<DateTimeOffset>("next_attempt_at") : null));
        await Send.OkAsync(Paging.PageOf(rows, request), ct);
    }
}
