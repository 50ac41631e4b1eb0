using Marten;
using Npgsql;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Infrastructure.Idempotency;

/// <summary>
/// Where Idempotency-Keys are kept: with their owner's data, a tenant's keys on the tenant's shard and the platform key's
/// in the master database, so that a key never needs a database its request does not. The primary key (owner, key)
/// makes a claim atomic.
/// </summary>
public sealed class IdempotencyStore(IDocumentStore store, PlatformDatabase platform)
{
    public const string TableName = MartenSetup.SchemaName + ".idempotency_key";
    /// <summary>The owner of the platform key's Idempotency-Keys.</summary>
    public const string PlatformOwner = "platform";

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn<string>("owner").AsPrimaryKey();
        table.AddColumn<string>("key").AsPrimaryKey();
        table.AddColumn<string>("request_hash").NotNull();
        table.AddColumn<DateTimeOffset>("created_at").NotNull();
        table.AddColumn<DateTimeOffset>("completed_at");
        table.AddColumn<int>("status_code");
        table.AddColumn<string>("content_type");
        table.AddColumn<string>("location");
        table.AddColumn("encrypted_body", "text");
        table.ModifyColumn("created_at").AddIndex(); // the purge's range
        return table;
    }

    /// <summary>True when this request now owns the key (nobody held it).</summary>
    public async Task<bool> TryClaimAsync(string owner, string key, string requestHash, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await OpenAsync(owner, ct);
        await using var command = Sql.Command(connection, $"""
            insert into {TableName} (owner, key, request_hash, created_at) values (@owner, @key, @hash, @now) on conflict do nothing
            """, ("owner", owner), ("key", key), ("hash", requestHash), ("now", now));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<IdempotencyRecord?> FindAsync(string owner, string key, CancellationToken ct)
    {
        await using var connection = await OpenAsync(owner, ct);
        await using var command = Sql.Command(connection, $"""
            select request_hash, created_at, completed_at, status_code, content_type, location, encrypted_body
            from {TableName} where owner = @owner and key = @key
            """, ("owner", owner), ("key", key));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        return new IdempotencyRecord(reader.Get<string>("request_hash"), reader.Get<DateTimeOffset>("created_at"),
            reader.ValueOrNull<DateTimeOffset>("completed_at"), reader.ValueOrNull<int>("status_code") ?? 0,
            reader.StringOrNull("content_type"), reader.StringOrNull("location"), reader.StringOrNull("encrypted_body"));
    }

    public async Task CompleteAsync(string owner, string key, DateTimeOffset now, int statusCode, string? contentType, string? location,
        string encryptedBody, CancellationToken ct)
    {
        await using var connection = await OpenAsync(owner, ct);
        await using var command = Sql.Command(connection, $"""
            update {TableName} set completed_at = @now, status_code = @status, content_type = @type, location = @location, encrypted_body = @body
            where owner = @owner and key = @key
            """, ("owner", owner), ("key", key), ("now", now), ("status", statusCode), ("type", contentType), ("location", location),
            ("body", encryptedBody));
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task ReleaseAsync(string owner, string key, CancellationToken ct)
    {
        await using var connection = await OpenAsync(owner, ct);
        await using var command = Sql.Command(connection, $"delete from {TableName} where owner = @owner and key = @key",
            ("owner", owner), ("key", key));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Forgets keys created before <paramref name="cutoff"/>, in batches, on one database.</summary>
    public static async Task<long> PurgeAsync(NpgsqlConnection connection, DateTimeOffset cutoff, int batch, CancellationToken ct)
    {
        long purged = 0;
        while (true)
        {
            await using var command = Sql.Command(connection, $"""
                delete from {TableName} where (owner, key) in (select owner, key from {TableName} where created_at < @cutoff limit {batch})
                """, ("cutoff", cutoff));
            var deleted = await command.ExecuteNonQueryAsync(ct);
            purged += deleted;
            if (deleted < batch)
                return purged;
        }
    }

    private Task<NpgsqlConnection> OpenAsync(string owner, CancellationToken ct) =>
        owner == PlatformOwner ? Sql.OpenPlatformAsync(platform, ct) : Sql.OpenForTenantAsync(store, owner, ct);
}
