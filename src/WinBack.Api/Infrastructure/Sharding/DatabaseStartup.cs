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
/// not stop the start).
/// </summary>
public sealed class DatabaseStartup(PlatformDatabase platform, ShardLayout layout, IDocumentStore store, ShardSchemas shardSchemas,
    IReadOnlyList<Table> platformTables, ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        IReadOnlyList<string> upgraded = [];
        await using (var connection = await Sql.OpenPlatformAsync(platform, ct))
        {
            foreach (var schema in platformTables.Select(t => t.Identifier.Schema).Distinct())
                await connection.EnsureSchemaExists(schema, ct);
            var migration = await SchemaMigration.DetermineAsync(connection, ct, [.. platformTables]);
            // Weasel's default logger prints every statement to the console; the tables are the code's, not news.
            await new PostgresqlMigrator().ApplyAllAsync(connection, migration, AutoCreate.CreateOrUpdate, new DefaultMigrationLogger(TextWriter.Null), ct);
            if (layout.MasterIsOnlyShard)
                upgraded = await Pre24Upgrade.BeforeSchemaAsync(connection, ct);
        }

        await shardSchemas.ApplyAsync(ct);

        // Marten's own record of where the upgraded tenants live.
        foreach (var tenantId in upgraded)
            await store.Advanced.AddTenantToShardAsync(tenantId, ShardLayout.OnlyShard, ct);
        if (upgraded.Count > 0)
            logger.LogWarning("Upgraded a database from before sharding in place: {Tenants} tenants now on shard {Shard}", upgraded.Count, ShardLayout.OnlyShard);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
