using Marten;
using Marten.Storage;
using Npgsql;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;
using static WinBack.Api.Features.Webhooks.WebhookTables;

namespace WinBack.Api.Features.Webhooks;

/// <summary>Reads and writes a tenant's webhook endpoints; every statement is scoped to the tenant.</summary>
public sealed class WebhookEndpoints(IDocumentStore store, ShardDatabases shards)
{
    public async Task InsertAsync(string tenantId, WebhookEndpoint e, CancellationToken ct) =>
        await ExecuteAsync(tenantId, $"""
            insert into {Endpoints} (tenant_id, id, url, description, events, enabled, secret, created_at, updated_at)
            select @tenant, @id, @url, @description, @events, true, @secret, @now, @now where {TenantFence.Check}
            """, ct, ("tenant", tenantId), ("id", e.Id), ("url", e.Url), ("description", e.Description),
            ("events", e.Events.ToArray()), ("secret", e.EncryptedSecret), ("now", e.CreatedAt));

    public async Task<WebhookEndpoint?> FindAsync(string tenantId, string id, CancellationToken ct) =>
        (await QueryAsync(tenantId, $"select {WebhookEndpoint.Columns} from {Endpoints} where tenant_id = @tenant and id = @id", ct,
            ("tenant", tenantId), ("id", id))).SingleOrDefault();

    /// <summary>Newest first (ids are time-ordered), after the cursor.</summary>
    public async Task<IReadOnlyList<WebhookEndpoint>> ListAsync(string tenantId, string? startingAfter, int take, CancellationToken ct) =>
        await QueryAsync(tenantId, $"""
            select {WebhookEndpoint.Columns} from {Endpoints}
            where tenant_id = @tenant and (@after::text is null or id < @after) order by id desc limit @take
            """, ct, ("tenant", tenantId), ("after", startingAfter), ("take", take));

    /// <summary>Changes what was given; enabling again clears the failure record and the reason it was disabled.</summary>
    public async Task<WebhookEndpoint?> UpdateAsync(string tenantId, string id, string? url, IReadOnlyList<string>? events, string? description,
        bool? enabled, DateTimeOffset now, CancellationToken ct) =>
        (await QueryAsync(tenantId, $"""
            update {Endpoints} set url = coalesce(@url, url), events = coalesce(@events, events),
              description = coalesce(@description, description), updated_at = @now,
              enabled = coalesce(@enabled, enabled),
              failing_since = case when @enabled then null else failing_since end,
              disabled_at = case when @enabled then null when @enabled = false and enabled then @now else disabled_at end,
              disabled_reason = case when @enabled then null when @enabled = false and enabled then 'Disabled by an admin.' else disabled_reason end
            where tenant_id = @tenant and id = @id and {TenantFence.Check}
            returning {WebhookEndpoint.Columns}
            """, ct, ("tenant", tenantId), ("id", id), ("url", url),
            ("events", events?.ToArray()), ("description", description),
            ("enabled", enabled), ("now", now))).SingleOrDefault();

    /// <summary>A new current secret (encrypted); the old one keeps signing until <paramref name="previousExpiresAt"/>.</summary>
    public async Task<WebhookEndpoint?> RotateAsync(string tenantId, string id, string encryptedSecret, DateTimeOffset previousExpiresAt,
        DateTimeOffset now, CancellationToken ct) =>
        (await QueryAsync(tenantId, $"""
            update {Endpoints} set previous_secret = secret, previous_expires_at = @expires, secret = @secret, updated_at = @now
            where tenant_id = @tenant and id = @id and {TenantFence.Check}
            returning {WebhookEndpoint.Columns}
            """, ct, ("tenant", tenantId), ("id", id), ("secret", encryptedSecret), ("expires", previousExpiresAt), ("now", now)))
            .SingleOrDefault();

    /// <summary>Passes every stored secret that is still plain text (<c>whsec_…</c>) through <paramref name="seal"/>, unless it changed meanwhile.</summary>
    public async Task<int> SealPlaintextSecretsAsync(Func<string, string> seal, CancellationToken ct)
    {
        // A shard that is away fails alone: the others are still sealed, and its failure is reported after them.
        var sealedCount = 0;
        var failures = new List<Exception>();
        foreach (var database in await Sql.EachDatabaseAsync(shards, ct))
        {
            try { sealedCount += await SealPlaintextSecretsAsync(database, seal, ct); }
            catch (Exception e) when (e is not OperationCanceledException) { failures.Add(e); }
        }
        return failures.Count == 0 ? sealedCount : throw new AggregateException(failures);
    }

    private static async Task<int> SealPlaintextSecretsAsync(IMartenDatabase database, Func<string, string> seal, CancellationToken ct)
    {
        await using var connection = await Sql.OpenDatabaseAsync(database, ct);
        var plain = new List<(string Tenant, string Id, string Secret, string? Previous)>();
        await using (var select = Sql.Command(connection,
            $@"select tenant_id, id, secret, previous_secret from {Endpoints} where secret like 'whsec\_%' or previous_secret like 'whsec\_%'"))
        await using (var reader = await select.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                plain.Add((reader.Get<string>("tenant_id"), reader.Get<string>("id"), reader.Get<string>("secret"), reader.StringOrNull("previous_secret")));
        foreach (var (tenant, id, secret, previous) in plain)
        {
            await using var update = Sql.Command(connection, $"""
                update {Endpoints} set secret = case when secret = @secret then @sealedSecret else secret end,
                  previous_secret = case when previous_secret = @previous then @sealedPrevious else previous_secret end
                where tenant_id = @tenant and id = @id
                """, ("tenant", tenant), ("id", id), ("secret", secret), ("sealedSecret", seal(secret)),
                ("previous", previous), ("sealedPrevious", previous is null ? null : seal(previous)));
            await update.ExecuteNonQueryAsync(ct);
        }
        return plain.Count;
    }

    /// <summary>
    /// Deletes the endpoint with its deliveries and their attempts; false when there was none. The endpoint is locked
    /// first, then its deliveries, the order in which the dispatcher records attempts: the two never deadlock.
    /// </summary>
    public Task<bool> DeleteAsync(string tenantId, string id, CancellationToken ct) => Sql.RetryOnConflictAsync(async () =>
    {
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await TenantFence.GuardAsync(connection, tenantId, ct);
        await using (var endpoint = Sql.Command(connection, $"delete from {Endpoints} where tenant_id = @tenant and id = @id",
                         ("tenant", tenantId), ("id", id)))
            if (await endpoint.ExecuteNonQueryAsync(ct) == 0)
                return false;
        await using (var deliveries = Sql.Command(connection, $"""
            with deliveries as (delete from {Deliveries} where tenant_id = @tenant and endpoint_id = @id returning id)
            delete from {Attempts} where tenant_id = @tenant and delivery_id in (select id from deliveries)
            """, ("tenant", tenantId), ("id", id)))
            await deliveries.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }, ct);

    // Writes run again on a deadlock or serialization failure (Sql.RetryOnConflictAsync), never reaching the caller as a 500.
    private Task<int> ExecuteAsync(string tenantId, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters) =>
        Sql.RetryOnConflictAsync(() => ExecuteOnceAsync(tenantId, sql, ct, parameters), ct);

    private Task<List<WebhookEndpoint>> QueryAsync(string tenantId, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters) =>
        Sql.RetryOnConflictAsync(() => QueryOnceAsync(tenantId, sql, ct, parameters), ct);

    private async Task<int> ExecuteOnceAsync(string tenantId, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using var command = Sql.Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<List<WebhookEndpoint>> QueryOnceAsync(string tenantId, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using var command = Sql.Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<WebhookEndpoint>();
        while (await reader.ReadAsync(ct))
            rows.Add(WebhookEndpoint.Read(reader));
        return rows;
    }

}
