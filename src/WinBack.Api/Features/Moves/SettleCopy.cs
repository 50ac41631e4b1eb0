using Npgsql;
using WinBack.Api.Features.Stripe;
using WinBack.Api.Infrastructure.Idempotency;
using WinBack.Api.Infrastructure.Postgres;
using static WinBack.Api.Features.Webhooks.WebhookTables;

namespace WinBack.Api.Features.Moves;

/// <summary>
/// After the flip, what the source did last for the tenant, carried to the target's copies: webhook sends and Stripe calls the
/// source had begun before the freeze and finished after the final copy (their outcome and attempts), and requests whose
/// Idempotency-Key was still open at the copy (their stored answer, or the key's release). Rows the target made itself since the
/// flip are left alone; only rows that exist on both sides and moved on at the source are updated.
/// </summary>
internal static class SettleCopy
{
    /// <param name="openKeys">The tenant's Idempotency-Keys that were open when the final copy was taken.</param>
    public static async Task CarryOverAsync(NpgsqlConnection from, NpgsqlConnection to, string tenantId, IReadOnlyList<string> openKeys,
        CancellationToken ct)
    {
        await using var read = await from.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var write = await to.BeginTransactionAsync(ct);
        foreach (var connection in new[] { from, to })
            await TenantCopier.ForTenantAsync(connection, tenantId, ct);

        const string deliveryColumns = "id, status, attempts, next_attempt_at, last_attempt_at, last_status_code, last_error";
        await StageAsync(from, to, "settle_delivery", Deliveries, deliveryColumns, $"{TenantTables.Tenant} = tenant_id", ct);
        await ExecuteAsync(to, $"""
            update {Deliveries} d set status = s.status, attempts = s.attempts, next_attempt_at = s.next_attempt_at, last_attempt_at = s.last_attempt_at,
              last_status_code = s.last_status_code, last_error = s.last_error
            from settle_delivery s where d.tenant_id = {TenantTables.Tenant} and d.id = s.id and s.attempts > d.attempts
            """, ct);

        const string attemptColumns = "delivery_id, attempted_at, sent_at, status_code, latency_ms, response_body, error, succeeded";
        await StageAsync(from, to, "settle_attempt", Attempts, attemptColumns, $"{TenantTables.Tenant} = tenant_id", ct);
        await ExecuteAsync(to, $"""
            insert into {Attempts} (tenant_id, {attemptColumns})
            select {TenantTables.Tenant}, s.* from settle_attempt s
            where exists (select 1 from {Deliveries} d where d.tenant_id = {TenantTables.Tenant} and d.id = s.delivery_id)
              and not exists (select 1 from {Attempts} a where a.tenant_id = {TenantTables.Tenant} and a.delivery_id = s.delivery_id and a.attempted_at = s.attempted_at)
            order by s.attempted_at
            """, ct);

        const string syncColumns = "idempotency_key, status, attempts, next_attempt_at, last_error, stripe_object_id";
        await StageAsync(from, to, "settle_sync", StripeTables.Sync, syncColumns, $"{TenantTables.Tenant} = tenant_id", ct);
        await ExecuteAsync(to, $"""
            update {StripeTables.Sync} d set status = s.status, attempts = s.attempts, next_attempt_at = s.next_attempt_at, last_error = s.last_error,
              stripe_object_id = s.stripe_object_id
            from settle_sync s where d.tenant_id = {TenantTables.Tenant} and d.idempotency_key = s.idempotency_key and s.attempts > d.attempts
            """, ct);

        // A key open on the target came open from the source: there it was answered (carried over) or released (released here too).
        const string keyColumns = "key, completed_at, status_code, content_type, location, encrypted_body";
        await StageAsync(from, to, "settle_key", IdempotencyStore.TableName, keyColumns, $"owner = {TenantTables.Tenant}", ct);
        await ExecuteAsync(to, $"""
            update {IdempotencyStore.TableName} d set completed_at = s.completed_at, status_code = s.status_code, content_type = s.content_type,
              location = s.location, encrypted_body = s.encrypted_body
            from settle_key s where d.owner = {TenantTables.Tenant} and d.key = s.key and d.completed_at is null and s.completed_at is not null;
            delete from {IdempotencyStore.TableName} d
            where d.owner = {TenantTables.Tenant} and d.completed_at is null and d.key = any(@open)
              and not exists (select 1 from settle_key s where s.key = d.key);
            """, ct, ("open", openKeys.ToArray()));
        await write.CommitAsync(ct);
    }

    // The source's rows of the tenant in a temporary table on the target, dropped at commit.
    private static async Task StageAsync(NpgsqlConnection from, NpgsqlConnection to, string stage, string table, string columns, string filter,
        CancellationToken ct)
    {
        await ExecuteAsync(to, $"create temp table {stage} on commit drop as select {columns} from {table} with no data", ct);
        await TableCopier.PipeAsync(from, $"select {columns} from {table} where {filter}", to, $"{stage} ({columns})", ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var command = Sql.Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync(ct);
    }
}
