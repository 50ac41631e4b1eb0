using System.Data.Common;
using Npgsql;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;
using WinBack.Domain.Tenants;

namespace WinBack.Api.Features.ApiKeys;

/// <summary>
/// The keys, in the master database: platform data, so that authentication reads one table there and never a shard.
/// Every read but the authentication's is scoped to the caller's tenant.
/// </summary>
[Infrastructure.Hosting.Published]
public sealed class ApiKeyStore(PlatformDatabase platform)
{
    public const string TableName = MartenSetup.SchemaName + ".api_key";
    private const string Columns = "id, tenant_id, scope, mode, secret_hash, redacted, description, created_at, revoked_at";

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn<string>("id").AsPrimaryKey();
        table.AddColumn<string>("tenant_id").NotNull();
        table.AddColumn<string>("scope").NotNull();
        table.AddColumn<string>("mode").NotNull();
        table.AddColumn<string>("secret_hash").NotNull().AddIndex(i => i.IsUnique = true);
        table.AddColumn<string>("redacted").NotNull();
        table.AddColumn<string>("description");
        table.AddColumn<DateTimeOffset>("created_at").NotNull();
        table.AddColumn<DateTimeOffset>("revoked_at");
        table.Indexes.Add(new IndexDefinition("ix_api_key_tenant") { Columns = ["tenant_id", "id"] });
        return table;
    }

    /// <summary>Inserts keys inside the caller's transaction on the master.</summary>
    public static async Task InsertAsync(NpgsqlConnection connection, string tenantId, IEnumerable<ApiKey> keys, CancellationToken ct)
    {
        foreach (var key in keys)
        {
            await using var command = Sql.Command(connection, $"""
                insert into {TableName} ({Columns}) values (@id, @tenant, @scope, @mode, @hash, @redacted, @description, @created, null)
                """, ("id", key.Id), ("tenant", tenantId), ("scope", key.Scope.ToString()), ("mode", key.Mode.ToString()),
                ("hash", key.SecretHash), ("redacted", key.Redacted), ("description", key.Description), ("created", key.CreatedAt));
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Mints a key unless the tenant already holds <paramref name="limit"/> active ones (counted under the tenant's lock).</summary>
    public async Task<bool> TryInsertWithinLimitAsync(string tenantId, ApiKey key, int limit, CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await TransactionLocks.TakeAsync(connection, [LockKeys.ApiKeys(tenantId)], ct);
        await using (var count = Sql.Command(connection, $"select count(*) from {TableName} where tenant_id = @tenant and revoked_at is null",
                         ("tenant", tenantId)))
            if ((long)(await count.ExecuteScalarAsync(ct))! >= limit)
                return false;
        await InsertAsync(connection, tenantId, [key], ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>The live key with that secret hash, in any tenant, with its tenant's pinned API version: the authentication's one read.</summary>
    public async Task<(ApiKey Key, string ApiVersion)?> FindActiveBySecretHashAsync(string secretHash, CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var command = Sql.Command(connection, $"""
            select k.*, t.api_version from {TableName} k join {Tenants.TenantStore.TableName} t on t.id = k.tenant_id
            where k.secret_hash = @hash and k.revoked_at is null
            """, ("hash", secretHash));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (Read(reader), reader.Get<string>("api_version")) : null;
    }

    public async Task<ApiKey?> FindAsync(string tenantId, string id, CancellationToken ct) =>
        (await QueryAsync($"select {Columns} from {TableName} where tenant_id = @tenant and id = @id", ct, ("tenant", tenantId), ("id", id)))
        .SingleOrDefault();

    /// <summary>Newest first, by id (ids are time-ordered).</summary>
    public async Task<Page<ApiKey>> PageAsync(string tenantId, PageRequest page, CancellationToken ct)
    {
        var limit = page.Limit ?? Paging.DefaultLimit;
        var rows = await QueryAsync($"""
            select {Columns} from {TableName} where tenant_id = @tenant and (@after::text is null or id < @after)
            order by id desc limit {limit + 1}
            """, ct, ("tenant", tenantId), ("after", page.StartingAfter));
        return new Page<ApiKey>(rows.Take(limit).ToList(), rows.Count > limit);
    }

    public async Task<IReadOnlyList<ApiKey>> ActiveWithDescriptionAsync(string tenantId, string description, CancellationToken ct) =>
        await QueryAsync($"select {Columns} from {TableName} where tenant_id = @tenant and description = @description and revoked_at is null",
            ct, ("tenant", tenantId), ("description", description));

    /// <summary>Revokes the key (a revoked key keeps its first revocation time) and returns it, or null when the tenant has no such key.</summary>
    public async Task<ApiKey?> RevokeAsync(string tenantId, string id, DateTimeOffset now, CancellationToken ct) =>
        (await QueryAsync($"""
            update {TableName} set revoked_at = coalesce(revoked_at, @now) where tenant_id = @tenant and id = @id returning {Columns}
            """, ct, ("tenant", tenantId), ("id", id), ("now", now)))
        .SingleOrDefault();

    private async Task<IReadOnlyList<ApiKey>> QueryAsync(string sql, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var command = Sql.Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new List<ApiKey>();
        while (await reader.ReadAsync(ct))
            keys.Add(Read(reader));
        return keys;
    }

    private static ApiKey Read(DbDataReader reader) => new()
    {
        Id = reader.Get<string>("id"),
        TenantId = reader.Get<string>("tenant_id"),
        Scope = Enum.Parse<ApiKeyScope>(reader.Get<string>("scope")),
        Mode = Enum.Parse<TenantMode>(reader.Get<string>("mode")),
        SecretHash = reader.Get<string>("secret_hash"),
        Redacted = reader.Get<string>("redacted"),
        Description = reader.StringOrNull("description"),
        CreatedAt = reader.Get<DateTimeOffset>("created_at"),
        RevokedAt = reader.ValueOrNull<DateTimeOffset>("revoked_at"),
    };
}
