using System.Text.Json;
using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Webhooks;
using WinBack.Api.Infrastructure.Postgres;
using static WinBack.Api.Features.Webhooks.WebhookTables;

namespace WinBack.Api.Features.Webhooks;

public sealed class ListEventsRequest : PageRequest
{
    /// <summary>Only events of this type, such as reward.issued.</summary>
    [QueryParam]
    public string? Type { get; set; }

    /// <summary>Only events about this customer.</summary>
    [QueryParam]
    public string? CustomerId { get; set; }
}

public sealed class ListEventsValidator : Validator<ListEventsRequest>
{
    public ListEventsValidator()
    {
        this.AddPagingRules("evt");
        RuleFor(x => x.Type).Must(t => WebhookEventTypes.Subscribable.Contains(t!), DocumentedRules.EventType).When(x => x.Type is not null)
            .WithMessage($"'type' must be one of: {string.Join(", ", WebhookEventTypes.Subscribable)}.");
        RuleFor(x => x.CustomerId).MaximumLength(200);
    }
}

public sealed class ListEventsEndpoint(IDocumentStore store) : Endpoint<ListEventsRequest, Page<WebhookEventView>>
{
    public override void Configure()
    {
        Get("/events");
        Roles(ApiScopes.Admin);
        Tags("Webhooks");
        Summary(s =>
        {
            s.Summary = "List events";
            s.Description = "The events webhooks deliver, with the same bodies, oldest first in the order they were recorded, so " +
                            "a consumer can pull them or catch up: ask with startingAfter = the last event id it processed. An event " +
                            "appears here within about a second of being committed. Pings are not listed.";
            s.Responses[200] = "A page of events.";
            s.ResponseExamples[200] = new Page<WebhookEventView>([WebhookEventView.Example], HasMore: true);
        });
    }

    public override async Task HandleAsync(ListEventsRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var limit = request.Limit ?? Paging.DefaultLimit;
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using var command = Sql.Command(connection, $"""
            select payload from {Events}
            where tenant_id = @tenant and seq is not null and (@type::text is null or type = @type)
              and (@customer::text is null or customer_id = @customer)
              and (@after::text is null or seq > (select seq from {Events} where tenant_id = @tenant and id = @after))
            order by seq limit @take
            """, ("tenant", tenantId), ("type", request.Type), ("customer", request.CustomerId),
            ("after", request.StartingAfter), ("take", limit + 1));
        var events = new List<WebhookEventView>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                events.Add(JsonSerializer.Deserialize<WebhookEventView>(reader.Get<string>("payload"), WinBackJson.Options)!);
        await Send.OkAsync(Paging.PageOf(events, request), ct);
    }
}
