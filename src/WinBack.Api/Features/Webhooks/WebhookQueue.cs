using WinBack.Domain.Common;
using Marten;
using Marten.Storage;
using Npgsql;
using WinBack.Domain.Webhooks;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;
using static WinBack.Api.Features.Webhooks.WebhookTables;

namespace WinBack.Api.Features.Webhooks;

/// <summary>A finished attempt, ready to be recorded.</summary>
public sealed record AttemptRecord(DueDelivery Delivery, AttemptOutcome Outcome, double Jitter)
{
    public DateTimeOffset AttemptedAt => Outcome.SentAt;
}

/// <summary>The dispatcher's SQL: which deliveries are due, and recording what their attempts came to.</summary>
public static class WebhookQueue
{
    /// <summary>
    /// Due deliveries, dealt round the tenants: each tenant's first due delivery, then each one's second, and so on, up to
    /// the tenant's free share, starting after the tenant served last. Within a tenant they come in due order (a ping,
    /// due at once and first of its own chain, leads its tenant's queue and no one else's). Only deliveries that head their
    /// chain are due: nothing earlier of the same customer is still pending for that endpoint, so a failing event holds
    /// back the customer's later ones on that endpoint, and nobody else's (they carry its retry time, so no round reads them
    /// before then). Retries fall due by the wall clock, for every tenant.
    /// </summary>
    /// <param name="shard">The shard whose deliveries are dealt (each shard's dispatcher deals its own).</param>
    public static async Task<IReadOnlyList<DueDelivery>> DueAsync(IMartenDatabase shard, DateTimeOffset wallNow, FairShare share, int limit,
        CancellationToken ct)
    {
        var due = new List<DueDelivery>();
        await using var connection = await Sql.OpenDatabaseAsync(shard, ct);
        await using var command = Sql.Command(connection, $"""
            with recursive pending(tenant_id) as (
              (select tenant_id from {Deliveries} where status = 'pending' order by tenant_id limit 1)
              union all
              select (select d.tenant_id from {Deliveries} d where d.status = 'pending' and d.tenant_id > p.tenant_id order by d.tenant_id limit 1)
              from pending p where p.tenant_id is not null
            ),
            shares as (
              select p.tenant_id, @per_tenant - coalesce(b.busy, 0) as free
              from pending p left join unnest(@busy_tenant::text[], @busy_count::int[]) as b(tenant_id, busy) on b.tenant_id = p.tenant_id
              where p.tenant_id is not null
            ),
            picked as (
              select x.*
              from shares s cross join lateral (
                select d.id, d.tenant_id, d.endpoint_id, d.event_id, d.chain, d.event_seq, d.attempts, d.created_at,
                  row_number() over (order by d.next_attempt_at, d.event_seq) as turn
                from {Deliveries} d
                where d.tenant_id = s.tenant_id and d.status = 'pending' and d.next_attempt_at <= @wall and {TenantFence.NotFenced("d")}
                  and not (d.id = any(@in_flight)) and not (d.endpoint_id = any(@full))
                  and exists (select 1 from {Endpoints} e where e.tenant_id = d.tenant_id and e.id = d.endpoint_id and e.enabled)
                  and not exists (select 1 from {Deliveries} p
                    where p.status = 'pending' and p.endpoint_id = d.endpoint_id and p.chain = d.chain and p.event_seq < d.event_seq)
                order by d.next_attempt_at, d.event_seq
                limit s.free
              ) x
              where s.free > 0
              order by x.turn, x.tenant_id <= @after, x.tenant_id
              limit @limit
            )
            select x.id, x.tenant_id, x.endpoint_id, x.event_id, x.chain, x.event_seq, x.attempts, ev.payload, w.url, w.secret, w.previous_secret,
              w.previous_expires_at, x.created_at
            from picked x
            join {Endpoints} w on w.tenant_id = x.tenant_id and w.id = x.endpoint_id
            join {Events} ev on ev.id = x.event_id
            order by x.turn, x.tenant_id <= @after, x.tenant_id
            """, ("wall", wallNow), ("per_tenant", share.PerTenant), ("busy_tenant", share.BusyTenants.Keys.ToArray()),
            ("busy_count", share.BusyTenants.Values.ToArray()), ("in_flight", share.InFlight.ToArray()), ("full", share.FullEndpoints.ToArray()),
            ("after", share.After ?? ""), ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            due.Add(new DueDelivery(reader.Get<string>("id"), reader.Get<string>("tenant_id"), reader.Get<string>("endpoint_id"),
                reader.Get<string>("event_id"), reader.Get<string>("chain"), reader.Get<long>("event_seq"), reader.Get<int>("attempts"),
                reader.Get<string>("payload"), reader.Get<string>("url"), reader.Get<string>("secret"), reader.StringOrNull("previous_secret"),
                reader.ValueOrNull<DateTimeOffset>("previous_expires_at"), reader.Get<DateTimeOffset>("created_at")));
        return due;
    }

    /// <summary>
    /// Records a batch of attempts in one transaction: the log, each delivery's next step (succeeded, retry at, or failed
    /// after the last attempt), and each endpoint's health, disabling an endpoint that has failed for 5 days. It locks the
    /// endpoints first, in key order, then their deliveries, as deleting an endpoint does: the two never wait on each other in a circle.
    /// </summary>
    /// <param name="shard">The shard the deliveries were dealt from.</param>
    public static async Task RecordAsync(IMartenDatabase shard, IReadOnlyList<AttemptRecord> attempts, CancellationToken ct)
    {
        await using var connection = await Sql.OpenDatabaseAsync(shard, ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var endpoints = attempts.Select(a => (a.Delivery.TenantId, a.Delivery.EndpointId)).Distinct().ToList();
        await using (var lockEndpoints = Sql.Command(connection, $"""
            select 1 from {Endpoints} w join unnest(@tenant::text[], @endpoint::text[]) as u(tenant, endpoint) on w.tenant_id = u.tenant and w.id = u.endpoint
            order by w.tenant_id, w.id
            for no key update of w
            """, ("tenant", endpoints.Select(e => e.TenantId).ToArray()), ("endpoint", endpoints.Select(e => e.EndpointId).ToArray())))
            await lockEndpoints.ExecuteNonQueryAsync(ct);
        await using (var log = Sql.Command(connection, $"""
            insert into {Attempts} (tenant_id, delivery_id, attempted_at, sent_at, status_code, latency_ms, response_body, error, succeeded)
            select u.* from unnest(@tenant::text[], @delivery::text[], @attempted::timestamptz[], @sent::timestamptz[], @code::int[],
              @latency::int[], @body::text[], @error::text[], @ok::bool[]) as u(tenant, delivery)
            where exists (select 1 from {Deliveries} d where d.id = u.delivery) -- not for an endpoint deleted meanwhile
            """,
            ("tenant", attempts.Select(a => a.Delivery.TenantId).ToArray()), ("delivery", attempts.Select(a => a.Delivery.Id).ToArray()),
            ("attempted", attempts.Select(a => a.AttemptedAt).ToArray()), ("sent", attempts.Select(a => a.Outcome.SentAt).ToArray()),
            ("code", attempts.Select(a => a.Outcome.StatusCode).ToArray()), ("latency", attempts.Select(a => a.Outcome.LatencyMs).ToArray()),
            ("body", attempts.Select(a => a.Outcome.ResponseBody).ToArray()), ("error", attempts.Select(a => a.Outcome.Error).ToArray()),
            ("ok", attempts.Select(a => a.Outcome.Succeeded).ToArray())))
            await log.ExecuteNonQueryAsync(ct);

        var next = attempts.Select(a => a.Outcome.Succeeded ? null
            : RetrySchedule.Webhooks.Next(a.Delivery.Attempts + 1, a.AttemptedAt, a.Jitter)).ToArray();
        await using (var deliveries = Sql.Command(connection, $"""
            update {Deliveries} d set status = u.status, attempts = u.attempts, next_attempt_at = coalesce(u.next, d.next_attempt_at),
              last_attempt_at = u.attempted, last_status_code = u.code, last_error = u.error
            from unnest(@id::text[], @status::text[], @attempts::int[], @next::timestamptz[], @attempted::timestamptz[], @code::int[], @error::text[])
              as u(id, status, attempts, next, attempted, code, error)
            where d.id = u.id
            """,
            ("id", attempts.Select(a => a.Delivery.Id).ToArray()),
            ("status", attempts.Select((a, i) => a.Outcome.Succeeded ? "succeeded" : next[i] is null ? "failed" : "pending").ToArray()),
            ("attempts", attempts.Select(a => a.Delivery.Attempts + 1).ToArray()), ("next", next),
            ("attempted", attempts.Select(a => a.AttemptedAt).ToArray()), ("code", attempts.Select(a => a.Outcome.StatusCode).ToArray()),
            ("error", attempts.Select(a => a.Outcome.Error ?? (a.Outcome.Succeeded ? null : $"HTTP {a.Outcome.StatusCode}")).ToArray())))
            await deliveries.ExecuteNonQueryAsync(ct);

        // The deliveries waiting behind each one (its endpoint and chain, never attempted): while it will be retried they wait
        // for its retry, out of every round until then (a backlog behind a failing event costs the rounds nothing); once it
        // is done, they are due at once. The outbox queues new ones behind it the same way (WebhookOutbox).
        await using (var waiting = Sql.Command(connection, $"""
            update {Deliveries} d set next_attempt_at = coalesce(u.next, '-infinity')
            from unnest(@endpoint::text[], @chain::text[], @seq::bigint[], @next::timestamptz[]) as u(endpoint, chain, seq, next)
            where d.status = 'pending' and d.endpoint_id = u.endpoint and d.chain = u.chain and d.event_seq > u.seq and d.attempts = 0
              and (d.next_attempt_at < u.next or u.next is null and d.next_attempt_at > '-infinity')
            """,
            ("endpoint", attempts.Select(a => a.Delivery.EndpointId).ToArray()), ("chain", attempts.Select(a => a.Delivery.Chain).ToArray()),
            ("seq", attempts.Select(a => a.Delivery.EventSeq).ToArray()), ("next", next)))
            await waiting.ExecuteNonQueryAsync(ct);

        await RecordHealthAsync(connection, attempts, ct);
        await tx.CommitAsync(ct);
    }

    // Per endpoint, from its attempts in time order: healthy when the last one succeeded; otherwise failing since the
    // first failure after its last success (or since before this batch).
    private static async Task RecordHealthAsync(NpgsqlConnection connection, IReadOnlyList<AttemptRecord> attempts, CancellationToken ct)
    {
        var endpoints = attempts.GroupBy(a => (a.Delivery.TenantId, a.Delivery.EndpointId)).Select(g =>
        {
            var ordered = g.OrderBy(a => a.AttemptedAt).ToList();
            var lastSuccess = ordered.FindLastIndex(a => a.Outcome.Succeeded);
            var failures = ordered.Skip(lastSuccess + 1).ToList();
            return (g.Key.TenantId, g.Key.EndpointId, Recovered: lastSuccess >= 0,
                FirstFailure: failures.FirstOrDefault()?.AttemptedAt, LastFailure: failures.LastOrDefault());
        }).ToList();
        await using var health = Sql.Command(connection, $"""
            update {Endpoints} w set failing_since = case when u.recovered then u.first else coalesce(w.failing_since, u.first) end
            from unnest(@tenant::text[], @endpoint::text[], @recovered::bool[], @first::timestamptz[]) as u(tenant, endpoint, recovered, first)
            where w.tenant_id = u.tenant and w.id = u.endpoint
            returning w.tenant_id, w.id, w.failing_since
            """,
            ("tenant", endpoints.Select(e => e.TenantId).ToArray()), ("endpoint", endpoints.Select(e => e.EndpointId).ToArray()),
            ("recovered", endpoints.Select(e => e.Recovered).ToArray()), ("first", endpoints.Select(e => e.FirstFailure).ToArray()));
        var failingSince = new Dictionary<(string, string), DateTimeOffset>();
        await using (var reader = await health.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                if (reader.ValueOrNull<DateTimeOffset>("failing_since") is { } since)
                    failingSince[(reader.Get<string>("tenant_id"), reader.Get<string>("id"))] = since;

        foreach (var (tenantId, endpointId, _, _, last) in endpoints)
        {
            if (last is null || !failingSince.TryGetValue((tenantId, endpointId), out var since) || !EndpointHealth.ShouldDisable(since, last.AttemptedAt))
                continue;
            await using var disable = Sql.Command(connection, $"""
                update {Endpoints} set enabled = false, disabled_at = @at, disabled_reason = @reason
                where tenant_id = @tenant and id = @id and enabled
                """, ("tenant", tenantId), ("id", endpointId), ("at", last.AttemptedAt),
                ("reason", EndpointHealth.DisabledReason(since, last.Outcome.Error ?? $"HTTP {last.Outcome.StatusCode}")));
            await disable.ExecuteNonQueryAsync(ct);
        }
    }
}
