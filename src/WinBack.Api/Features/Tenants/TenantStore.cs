using System.Data.Common;
using Npgsql;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;
using WinBack.Domain.Tenants;

namespace WinBack.Api.Features.Tenants;

/// <summary>The tenants, in the master database: who they are, and which shard holds their data.</summary>
[Published]
public sealed class TenantStore(PlatformDatabase platform)
{
    public const string TableName = MartenSetup.SchemaName + ".tenant";
    private const string Columns = "id, name, mode, created_at, shard, status, api_version";

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn<string>("id").AsPrimaryKey();
        table.AddColumn<string>("name").NotNull();
        table.AddColumn<string>("mode").NotNull();
        table.AddColumn<DateTimeOffset>("created_at").NotNull();
        table.AddColumn<string>("shard").NotNull().AddIndex();
        table.AddColumn<string>("status").NotNull();
        // Tenants from before versions existed are pinned to the first one.
        table.AddColumn<string>("api_version").NotNull().DefaultValueByExpression($"'{ApiVersions.Initial}'");
        return table;
    }

    public async Task<Tenant?> FindAsync(string tenantId, CancellationToken ct) =>
        (await QueryAsync($"select {Columns} from {TableName} where id = @id", ct, ("id", tenantId))).SingleOrDefault();

    public async Task<Tenant?> FindActiveByNameAsync(string name, CancellationToken ct) =>
        (await QueryAsync($"select {Columns} from {TableName} where name = @name and status = 'active' order by id limit 1", ct,
            ("name", name))).SingleOrDefault();

    /// <summary>The active tenants on the shard that follow the wall clock (live mode): the master says who is where, never the shard's rows.</summary>
    public async Task<IReadOnlyList<string>> LiveTenantIdsAsync(string shard, CancellationToken ct) =>
        (await QueryAsync($"select {Columns} from {TableName} where mode = 'Live' and status = 'active' and shard = @shard", ct, ("shard", shard)))
            .Select(t => t.Id).ToList();

    /// <summary>Tenants per shard (provisioning ones included: they are about to hold data).</summary>
    public static async Task<IReadOnlyDictionary<string, long>> CountPerShardAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, $"select shard, count(*) as tenants from {TableName} group by shard");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var counts = new Dictionary<string, long>();
        while (await reader.ReadAsync(ct))
            counts[reader.Get<string>("shard")] = reader.Get<long>("tenants");
        return counts;
    }

    public static async Task InsertAsync(NpgsqlConnection connection, Tenant tenant, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, $"""
            insert into {TableName} ({Columns}) values (@id, @name, @mode, @created, @shard, @status, @api_version)
            """, ("id", tenant.Id), ("name", tenant.Name), ("mode", tenant.Mode.ToString()), ("created", tenant.CreatedAt),
            ("shard", tenant.Shard), ("status", StatusText(tenant.Status)), ("api_version", tenant.ApiVersion));
        await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task SetStatusAsync(NpgsqlConnection connection, string tenantId, TenantStatus status, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, $"update {TableName} set status = @status where id = @id",
            ("id", tenantId), ("status", StatusText(status)));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The shard that serves the tenant from now on (a move's flip, in its transaction).</summary>
    public static async Task SetShardAsync(NpgsqlConnection connection, string tenantId, string shard, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, $"update {TableName} set shard = @shard where id = @id", ("id", tenantId), ("shard", shard));
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string StatusText(TenantStatus status) => status.ToString().ToLowerInvariant();

    private async Task<IReadOnlyList<Tenant>> QueryAsync(string sql, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        await using var command = Sql.Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var tenants = new List<Tenant>();
        while (await reader.ReadAsync(ct))
            tenants.Add(Read(reader));
        return tenants;
    }

    private static Tenant Read(DbDataReader reader) => new()
    {
        Id = reader.Get<string>("id"),
        Name = reader.Get<string>("name"),
        Mode = Enum.Parse<TenantMode>(reader.Get<string>("mode")),
        CreatedAt = reader.Get<DateTimeOffset>("created_at"),
        Shard = reader.Get<string>("shard"),
        Status = Enum.Parse<TenantStatus>(reader.Get<string>("status"), ignoreCase: true),
        ApiVersion = reader.Get<string>("api_version"),
    };
}
