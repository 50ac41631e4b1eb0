using FastEndpoints;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Postgres;
using static WinBack.Api.Features.Webhooks.WebhookTables;

namespace WinBack.Api.Features.Webhooks;

/// <param name="EndpointId">The endpoint's id (<c>we_…</c>).</param>
/// <param name="WindowHours">The window the attempt figures cover, ending now (wall clock).</param>
/// <param name="Attempts">Delivery attempts made in the window.</param>
/// <param name="Succeeded">Attempts the receiver answered with a 2xx.</param>
/// <param name="Failed">Attempts that failed: another status, a timeout or a transport error.</param>
/// <param name="SuccessRate">succeeded / attempts, from 0 to 1; null without attempts.</param>
/// <param name="LatencyMsP50">The median time to the receiver's answer (or the timeout) over the window's attempts; null without attempts.</param>
/// <param name="LatencyMsP95">The 95th percentile of the same; null without attempts.</param>
/// <param name="FailedDeliveries">Deliveries now in status failed (retries used up), whenever they failed; each can be retried by hand.</param>
/// <param name="LastFailure">The latest failed attempt in the window; null when none failed.</param>
public sealed record WebhookEndpointHealthView(string EndpointId, int WindowHours, long Attempts, long Succeeded, long Failed, double? SuccessRate,
    int? LatencyMsP50, int? LatencyMsP95, long FailedDeliveries, WebhookFailureView? LastFailure);

/// <param name="DeliveryId">The delivery the attempt was for (<c>wd_…</c>); retry it with POST /v1/webhook-deliveries/{id}/retry.</param>
/// <param name="At">When the attempt was made (wall clock).</param>
/// <param name="StatusCode">The receiver's HTTP status; null when it gave none (timeout, refused connection).</param>
/// <param name="Error">What went wrong: the transport error, or "HTTP 500" for an answer outside 2xx.</param>
public sealed record WebhookFailureView(string DeliveryId, DateTimeOffset At, int? StatusCode, string Error);

public sealed class GetWebhookEndpointHealthEndpoint(WebhookEndpoints endpoints, IDocumentStore store, TimeProvider time)
    : Endpoint<WebhookEndpointIdRequest, WebhookEndpointHealthView>
{
    public const int WindowHours = 24;

    public override void Configure()
    {
        Get("/webhook-endpoints/{id}/health");
        Roles(ApiScopes.Admin);
        Tags("Webhooks");
        Summary(s =>
        {
            s.Summary = "Get a webhook endpoint's health";
            s.Description = "For a dashboard: the endpoint's delivery attempts over the last 24 hours of wall-clock time (test clocks do " +
                            "not move it): how many succeeded and failed, the success rate, the latency's median and 95th percentile, the " +
                            "latest failure with its error, and how many deliveries are now failed (retry them with " +
                            "POST /v1/webhook-deliveries/{id}/retry).";
            s.Responses[200] = "The endpoint's health.";
            s.ResponseExamples[200] = new WebhookEndpointHealthView("we_01jdq3w5x8k2m9v4r7t6y1z0ae", WindowHours, 412, 405, 7, 405 / 412.0, 84, 310, 2,
                new WebhookFailureView("wd_01jdq4c2m8v6x3k9r5t7y1z0ab", DateTimeOffset.Parse("2026-11-24T08:12:03Z"), 503, "HTTP 503"));
        });
    }

    public override async Task HandleAsync(WebhookEndpointIdRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        if (await endpoints.FindAsync(tenantId, request.Id, ct) is null)
            throw ApiException.NotFound("webhook endpoint", request.Id);
        var since = time.GetUtcNow().AddHours(-WindowHours);
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        (string, object?)[] parameters = [("tenant", tenantId), ("endpoint", request.Id), ("since", since)];
        // The window's attempts, found by the tenant's time index and kept to the endpoint's deliveries.
        const string Window = $"""
            from {Attempts} a join {Deliveries} d on d.id = a.delivery_id
            where a.tenant_id = @tenant and a.attempted_at > @since and d.tenant_id = @tenant and d.endpoint_id = @endpoint
            """;
        long attempts = 0, succeeded = 0, failedDeliveries = 0;
        int? p50 = null, p95 = null;
        await using (var command = Sql.Command(connection, $"""
            select count(*) as attempts, count(*) filter (where a.succeeded) as succeeded,
              percentile_disc(0.5) within group (order by a.latency_ms) as p50, percentile_disc(0.95) within group (order by a.latency_ms) as p95,
              (select count(*) from {Deliveries} f where f.tenant_id = @tenant and f.endpoint_id = @endpoint and f.status = 'failed') as failed_deliveries
            {Window}
            """, parameters))
        await using (var r = await command.ExecuteReaderAsync(ct))
            if (await r.ReadAsync(ct))
                (attempts, succeeded, p50, p95, failedDeliveries) = (r.Get<long>("attempts"), r.Get<long>("succeeded"), r.ValueOrNull<int>("p50"),
                    r.ValueOrNull<int>("p95"), r.Get<long>("failed_deliveries"));

        WebhookFailureView? last = null;
        await using (var command = Sql.Command(connection, $"""
            select a.delivery_id, a.attempted_at, a.status_code, coalesce(a.error, 'HTTP ' || a.status_code, 'failed') as error
            {Window} and not a.succeeded order by a.attempted_at desc, a.n desc limit 1
            """, parameters))
        await using (var r = await command.ExecuteReaderAsync(ct))
            if (await r.ReadAsync(ct))
                last = new WebhookFailureView(r.Get<string>("delivery_id"), r.Get<DateTimeOffset>("attempted_at"), r.ValueOrNull<int>("status_code"),
                    r.Get<string>("error"));

        await Send.OkAsync(new WebhookEndpointHealthView(request.Id, WindowHours, attempts, succeeded, attempts - succeeded,
            attempts == 0 ? null : (double)succeeded / attempts, p50, p95, failedDeliveries, last), ct);
    }
}
