using JasperFx;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Infrastructure.Sharding;

/// <summary>
/// Creates or updates the platform tables in the master database at start, before anything reads them. (Marten applies the
/// tenant data's tables to each shard itself; the master is no Marten database of its own.)
/// </summary>
public sealed class PlatformSchema(PlatformDatabase platform, IReadOnlyList<Table> tables) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, ct);
        foreach (var schema in tables.Select(t => t.Identifier.Schema).Distinct())
            await connection.EnsureSchemaExists(schema, ct);
        var migration = await SchemaMigration.DetermineAsync(connection, ct, [.. tables]);
        // Weasel's default logger prints every statement to the console; the tables are the code's, not news.
        await new PostgresqlMigrator().ApplyAllAsync(connection, migration, AutoCreate.CreateOrUpdate, new DefaultMigrationLogger(TextWriter.Null), ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
