using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

public sealed class ListCustomerEventsRequest
{
    /// <summary>Your own id for the customer.</summary>
    [RouteParam]
    public string CustomerId { get; set; } = "";
    /// <summary>Only events after this stream version; 0 (the default) starts at the beginning.</summary>
    [QueryParam]
    public long? AfterVersion { get; set; }
    /// <summary>How many events to return, 1 to 1,000. Default 100.</summary>
    [QueryParam]
    public int? Limit { get; set; }
}

public sealed class ListCustomerEventsValidator : Validator<ListCustomerEventsRequest>
{
    public const int MaxLimit = 1000;

    public ListCustomerEventsValidator()
    {
        RuleFor(x => x.AfterVersion).GreaterThanOrEqualTo(0).When(x => x.AfterVersion is not null);
        RuleFor(x => x.Limit).InclusiveBetween(1, MaxLimit).When(x => x.Limit is not null);
    }
}

/// <summary>One event of the customer's stream.</summary>
public sealed record CustomerEventView(long Version, string Type, DateTimeOffset RecordedAt, object Data);

public sealed record CustomerEventsPage(IReadOnlyList<CustomerEventView> Data, bool HasMore);

public sealed class ListCustomerEventsEndpoint(IQuerySession session) : Endpoint<ListCustomerEventsRequest, CustomerEventsPage>
{
    public override void Configure()
    {
        Get("/customers/{customerId}/events");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Customers");
        Summary(s =>
        {
            s.Summary = "List a customer's events";
            s.Description = "The customer's event stream, oldest first, as an audit trail: every activity, profile change, lapse, return and reward ledger entry as " +
                            "WinBack stored it. Page with afterVersion (the last version of the previous page).";
            s.Responses[200] = "Events in stream order.";
            s.ResponseExamples[200] = new CustomerEventsPage(
                [new CustomerEventView(1, "activity_recorded", DateTimeOffset.Parse("2026-11-24T09:12:01Z"),
                    new ActivityRecorded("cus_4711", "act_01jdq3w5x8k2m9v4r7t6y1z0ab", ActivityType.Login,
                        DateTimeOffset.Parse("2026-11-24T09:12:00Z"), DateTimeOffset.Parse("2026-11-24T09:12:01Z"), null, null, null, null, null))],
                HasMore: false);
        });
    }

    public override async Task HandleAsync(ListCustomerEventsRequest request, CancellationToken ct)
    {
        if (await CustomerSummaries.LoadAsync(session, request.CustomerId, ct) is null)
            throw ApiException.NotFound("customer", request.CustomerId);
        var after = request.AfterVersion ?? 0;
        var limit = request.Limit ?? 100;
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey == request.CustomerId && e.Version > after)
            .OrderBy(e => e.Version)
            .Take(limit + 1)
            .ToListAsync(ct);
        // Every activity is named activity_recorded, also those stored under the types of their own that activities without an
        // amount and purchases outside every attribution window have (NonRevenueActivityRecorded, UnattributedActivityRecorded):
        // a storage matter, not the API's.
        var activity = Sql.EventTypeNames(session.DocumentStore, typeof(ActivityRecorded))[0];
        var data = events.Take(limit).Select(e => new CustomerEventView(e.Version, e.Data is ActivityRecorded ? activity : e.EventTypeName,
            e.Timestamp, e.Data)).ToList();
        await Send.OkAsync(new CustomerEventsPage(data, events.Count > limit), ct);
    }
}
