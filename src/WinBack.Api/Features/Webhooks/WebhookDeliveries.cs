using Marten;
using Npgsql;
using WinBack.Domain.Webhooks;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;
using static WinBack.Api.Features.Webhooks.WebhookTables;

namespace WinBack.Api.Features.Webhooks;

/// <summary>What admins do with deliveries: read the log, retry one, replay events, ping an endpoint. Tenant-scoped.</summary>
public sealed class WebhookDeliveries(IDocumentStore store)
{
    public const string IdPrefix = "wd_";

    public static bool IsId(string? id) => id is { Length: 35 } && id.StartsWith(IdPrefix, StringComparison.Ordinal);

    private const string ViewColumns =
        "d.id, d.endpoint_id, d.event_id, ev.type, ev.customer_id, d.status, d.attempts, d.next_attempt_at, d.last_attempt_at, " +
        "d.last_status_code, d.last_error, d.created_at";

    /// <summary>An endpoint's deliveries, newest first, with their attempts.</summary>
    public async Task<IReadOnlyList<WebhookDeliveryView>> ListAsync(string tenantId, string endpointId, string? status, string? startingAfter,
        int take, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        return await ReadAsync(connection, $"""
            select {ViewColumns} from {Deliveries} d join {Events} ev on ev.id = d.event_id
            where d.tenant_id = @tenant and d.endpoint_id = @endpoint and (@status::text is null or d.status = @status)
              and (@after::text is null or d.n < (select n from {Deliveries} where tenant_id = @tenant and id = @after))
            order by d.n desc limit @take
            """, ct, ("tenant", tenantId), ("endpoint", endpointId), ("status", status),
            ("after", startingAfter), ("take", take));
    }

    /// <summary>
    /// Sends the delivery again as soon as the dispatcher gets to it (wall clock <paramref name="now"/>), whatever its status.
    /// A failed one gets one more attempt; a pending one has its next attempt moved to now.
    /// </summary>
    public async Task<WebhookDeliveryView?> RetryAsync(string tenantId, string deliveryId, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using (var retry = Sql.Command(connection,
                         $"update {Deliveries} set status = 'pending', next_attempt_at = @now where tenant_id = @tenant and id = @id and {TenantFence.Check}",
                         ("tenant", tenantId), ("id", deliveryId), ("now", now)))
            if (await retry.ExecuteNonQueryAsync(ct) == 0)
                return null;
        return (await ReadAsync(connection, $"""
            select {ViewColumns} from {Deliveries} d join {Events} ev on ev.id = d.event_id where d.tenant_id = @tenant and d.id = @id
            """, ct, ("tenant", tenantId), ("id", deliveryId))).Single();
    }

    /// <summary>Queues the tenant's events since <paramref name="since"/> (their time) that the endpoint wants, again; returns how many.</summary>
    public async Task<int> ReplayAsync(string tenantId, WebhookEndpoint endpoint, DateTimeOffset since, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await TenantFence.GuardAsync(connection, tenantId, ct);
        // Locked first, as the outbox does: an endpoint being deleted is waited for, and then gets nothing; an attempt being
        // recorded is committed before the chains are read. Deliveries behind one that will be retried wait for that retry.
        await using (var endpointLock = Sql.Command(connection, $"select 1 from {Endpoints} where tenant_id = @tenant and id = @endpoint for share",
                         ("tenant", tenantId), ("endpoint", endpoint.Id)))
            await endpointLock.ExecuteNonQueryAsync(ct);
        await using var replay = Sql.Command(connection, $"""
            insert into {Deliveries} (id, tenant_id, endpoint_id, event_id, event_seq, chain, status, attempts, next_attempt_at, created_at)
            select '{IdPrefix}' || replace(gen_random_uuid()::text, '-', ''), ev.tenant_id, w.id, ev.id, ev.seq, ev.chain, 'pending', 0,
              coalesce((select max(p.next_attempt_at) from {Deliveries} p where p.status = 'pending' and p.endpoint_id = w.id and p.chain = ev.chain),
                '-infinity'), now()
            from {Events} ev join {Endpoints} w on w.tenant_id = ev.tenant_id and w.id = @endpoint
            where ev.tenant_id = @tenant and ev.seq is not null and ev.created_at >= @since and (@events && array[ev.type::text, '*'])
            order by ev.seq
            """, ("tenant", tenantId), ("endpoint", endpoint.Id), ("since", since), ("events", endpoint.Events.ToArray()));
        var replayed = await replay.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return replayed;
    }

    /// <summary>Queues a ping event for one endpoint; null when the tenant has no such endpoint.</summary>
    public async Task<WebhookDeliveryView?> PingAsync(string tenantId, string endpointId, string eventId, DateTimeOffset at, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using (var ping = Sql.Command(connection, $"""
            with w as (select id from {Endpoints} where tenant_id = @tenant and id = @endpoint and {TenantFence.Check} for key share), -- not deleted meanwhile
                 ev as (insert into {Events} (id, tenant_id, seq, type, customer_id, chain, created_at, payload)
                        select @event, @tenant, null, @type, null, @chain, @at, @payload from w returning id, chain)
            insert into {Deliveries} (id, tenant_id, endpoint_id, event_id, event_seq, chain, status, attempts, next_attempt_at, created_at)
            select '{IdPrefix}' || replace(gen_random_uuid()::text, '-', ''), @tenant, @endpoint, ev.id, 0, ev.chain, 'pending', 0,
              '-infinity', now()
            from ev
            """, ("event", eventId), ("tenant", tenantId), ("type", WebhookEventTypes.Ping), ("at", at),
            ("chain", WebhookEventPayload.Chain(null, null, eventId)),
            ("payload", WebhookEventPayload.PingBody(eventId, tenantId, endpointId, at)), ("endpoint", endpointId)))
            if (await ping.ExecuteNonQueryAsync(ct) == 0)
                return null;
        return (await ReadAsync(connection, $"""
            select {ViewColumns} from {Deliveries} d join {Events} ev on ev.id = d.event_id where d.tenant_id = @tenant and d.event_id = @event
            """, ct, ("tenant", tenantId), ("event", eventId))).Single();
    }

    private static async Task<List<WebhookDeliveryView>> ReadAsync(NpgsqlConnection connection, string sql, CancellationToken ct,
        params (string, object?)[] parameters)
    {
        var rows = new List<WebhookDeliveryView>();
        await using (var command = Sql.Command(connection, sql, parameters))
        await using (var r = await command.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                var status = r.Get<string>("status");
                var next = r.Get<DateTimeOffset>("next_attempt_at");
                rows.Add(new WebhookDeliveryView(r.Get<string>("id"), r.Get<string>("endpoint_id"), r.Get<string>("event_id"), r.Get<string>("type"),
                    r.StringOrNull("customer_id"), status, r.Get<int>("attempts"), status == "pending" && next != DateTimeOffset.MinValue ? next : null,
                    r.ValueOrNull<DateTimeOffset>("last_attempt_at"), r.ValueOrNull<int>("last_status_code"),
                    r.StringOrNull("last_error"), r.Get<DateTimeOffset>("created_at"), []));
            }
        if (rows.Count == 0)
            return rows;
        var attempts = new Dictionary<string, List<WebhookAttemptView>>();
        await using (var command = Sql.Command(connection, $"""
            select delivery_id, attempted_at, sent_at, status_code, latency_ms, response_body, error, succeeded
            from {Attempts} where delivery_id = any(@ids) order by n
            """, ("ids", rows.Select(d => d.Id).ToArray())))
        await using (var r = await command.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                var deliveryId = r.Get<string>("delivery_id");
                if (!attempts.TryGetValue(deliveryId, out var list))
                    attempts[deliveryId] = list = [];
                list.Add(new WebhookAttemptView(r.Get<DateTimeOffset>("attempted_at"), r.Get<DateTimeOffset>("sent_at"), r.ValueOrNull<int>("status_code"),
                    r.Get<int>("latency_ms"), r.StringOrNull("response_body"), r.StringOrNull("error"), r.Get<bool>("succeeded")));
            }
        return rows.Select(d => d with { AttemptLog = attempts.GetValueOrDefault(d.Id) ?? [] }).ToList();
    }
}
