using Npgsql;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Infrastructure.Sharding;

/// <summary>
/// Upgrades in place a database that a version before sharding (#24) created: one database, tenants and API keys as
/// Marten documents, jobs and dedupe records without a tenant column. Run at start, before Marten's schema work, and only when the master is the
/// only shard (such a database is both). In one transaction it copies tenants, API keys and stored idempotent answers to
/// the master's tables (the tenants on the only shard) and gives the formerly platform-wide documents their tenant, before
/// Marten's own migration adds the tenant to their primary key. Nothing is deleted before it is copied; a crash before the
/// commit leaves the database as it was, and the next start tries again.
/// </summary>
public static class Pre24Upgrade
{
    private const string S = MartenSetup.SchemaName;

    // Documents that had no tenant column, and where their tenant is written.
    private static readonly (string Table, string TenantOf)[] FormerlyPlatformWide =
    [
        ("mt_doc_sweepjob", "data->>'tenantId'"),
        ("mt_doc_riskrefitjob", "data->>'tenantId'"),
        ("mt_doc_activeriskrefit", "id"),
        ("mt_doc_testclock", "id"),
        ("mt_doc_activitydedupe", "split_part(id, '/', 1)"),
    ];

    /// <returns>The tenants moved to the master, for Marten's assignment once its schema is in place.</returns>
    public static async Task<IReadOnlyList<string>> BeforeSchemaAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        if (!await Sql.TableExistsAsync(connection, $"{S}.mt_doc_tenant", ct))
            return [];
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, $"""
            insert into {S}.tenant (id, name, mode, created_at, shard, status)
            select id, data->>'name', data->>'mode', (data->>'createdAt')::timestamptz, '{ShardLayout.OnlyShard}', 'active' from {S}.mt_doc_tenant
            on conflict (id) do nothing;
            insert into {S}.api_key (id, tenant_id, scope, mode, secret_hash, redacted, description, created_at, revoked_at)
            select id, tenant_id, data->>'scope', data->>'mode', data->>'secretHash', data->>'redacted', data->>'description',
                   (data->>'createdAt')::timestamptz, (data->>'revokedAt')::timestamptz
            from {S}.mt_doc_apikey on conflict (id) do nothing;
            """, ct);
        if (await Sql.TableExistsAsync(connection, $"{S}.mt_doc_idempotencyrecord", ct))
            await ExecuteAsync(connection, $"""
                insert into {S}.idempotency_key (owner, key, request_hash, created_at, completed_at, status_code, content_type, location, encrypted_body)
                select split_part(id, '/', 1), substr(id, length(split_part(id, '/', 1)) + 2), data->>'requestHash', (data->>'createdAt')::timestamptz,
                       (data->>'completedAt')::timestamptz, (data->>'statusCode')::int, data->>'contentType', data->>'location', data->>'encryptedBody'
                from {S}.mt_doc_idempotencyrecord where data->>'body' is null on conflict do nothing;
                drop table {S}.mt_doc_idempotencyrecord;
                """, ct);
        foreach (var (table, tenantOf) in FormerlyPlatformWide)
            if (await Sql.TableExistsAsync(connection, $"{S}.{table}", ct))
                await ExecuteAsync(connection, $"""
                    alter table {S}.{table} add column if not exists tenant_id varchar;
                    update {S}.{table} set tenant_id = {tenantOf} where tenant_id is null or tenant_id = '*DEFAULT*';
                    """, ct);
        var tenants = new List<string>();
        await using (var list = Sql.Command(connection, $"select id from {S}.mt_doc_tenant"))
        await using (var reader = await list.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                tenants.Add(reader.GetString(0));
        await ExecuteAsync(connection, $"drop table {S}.mt_doc_tenant; drop table {S}.mt_doc_apikey;", ct);
        await transaction.CommitAsync(ct);
        return tenants;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, sql);
        await command.ExecuteNonQueryAsync(ct);
    }
}
