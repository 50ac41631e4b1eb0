using JasperFx;
using Marten;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Infrastructure.Sharding;

/// <summary>
/// Brings the databases up to the code's schema at start, before anything reads them: the platform tables in the master
/// (the master is no Marten database of its own), a database from before sharding upgraded in place
/// (<see cref="Pre24Upgrade"/>), then Marten's schema on every shard (<see cref="ShardSchemas"/>: a shard that is away does
/// not stop the start), then Marten's assignment of every tenant it does not know yet.
/// </summary>
public sealed class DatabaseStartup(PlatformDatabase platform, ShardLayout layout, IDocumentStore store, ShardSchemas shardSchemas,
    IReadOnlyList<Table> platformTables, ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await using (var connection = await Sql.OpenPlatformAsync(platform, ct))
        {
            foreach (var schema in platformTables.Select(t => t.Identifier.Schema).Distinct())
                await connection.EnsureSchemaExists(schema, ct);
            var migration = await SchemaMigration.DetermineAsync(connection, ct, [.. platformTables]);
            // Weasel's default logger prints every statement to the console; the tables are the code's, not news.
            await new PostgresqlMigrator().ApplyAllAsync(connection, migration, AutoCreate.CreateOrUpdate, new DefaultMigrationLogger(TextWriter.Null), ct);
            if (layout.MasterIsOnlyShard && await Pre24Upgrade.BeforeSchemaAsync(connection, ct) is { Count: > 0 } upgraded)
                logger.LogWarning("Upgrading a database from before sharding in place: {Tenants} tenants go to shard {Shard}", upgraded.Count, ShardLayout.OnlyShard);
        }

        await shardSchemas.ApplyAsync(ct);
        await AssignUnknownTenantsAsync(ct);
    }

    // Marten's own record of each tenant's shard, for tenants it lacks: upgraded ones, and creations cut off before Marten was
    // told (a start after a crash in either finishes the job; the call is idempotent).
    private async Task AssignUnknownTenantsAsync(CancellationToken ct)
    {
        var unknown = new List<(string Tenant, string Shard)>();
        await using (var connection = await Sql.OpenPlatformAsync(platform, ct))
        await using (var command = Sql.Command(connection, $"""
            select t.id, t.shard from {MartenSetupSchema}.tenant t
            where not exists (select 1 from {MartenSetupSchema}.mt_tenant_assignments a where a.tenant_id = t.id)
            """))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                unknown.Add((reader.GetString(0), reader.GetString(1)));
        foreach (var (tenant, shard) in unknown)
        {
            try
            {
                await store.Advanced.AddTenantToShardAsync(tenant, shard, ct);
            }
            catch (Exception e) when (Errors.ProblemMapping.IsDatabaseUnavailable(e))
            {
                // Its shard is away: the tenant waits for it, as every tenant of that shard does, and the next start tries again.
                logger.LogWarning("Tenant {Tenant} could not be recorded on shard {Shard}, which is away ({Error})", tenant, shard, e.Message);
            }
        }
    }

    private const string MartenSetupSchema = Marten.MartenSetup.SchemaName;

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
