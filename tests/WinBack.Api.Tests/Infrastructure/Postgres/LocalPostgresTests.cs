using Npgsql;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Tests.Infrastructure.Postgres;

public sealed class LocalPostgresTests
{
    [Fact]
    public async Task Starts_a_cluster_in_an_empty_folder_serves_queries_and_stops()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), $"winback-localpg-{Guid.NewGuid():N}", "pg");
        try
        {
            var server = await LocalPostgres.StartAsync(new LocalPostgresOptions(dataDir, "winback_check") { Durable = false });
            await using (var connection = new NpgsqlConnection(server.ConnectionStringFor("winback_check")))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("select current_database()", connection);
                (await command.ExecuteScalarAsync()).ShouldBe("winback_check");
            }
            File.Exists(Path.Combine(dataDir, "postmaster.pid")).ShouldBeTrue();

            await server.StopAsync();

            File.Exists(Path.Combine(dataDir, "postmaster.pid")).ShouldBeFalse();
            await using var after = new NpgsqlConnection(server.ConnectionStringFor("winback_check"));
            await Should.ThrowAsync<NpgsqlException>(() => after.OpenAsync());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dataDir)!, recursive: true);
        }
    }

    [Fact]
    public async Task Restarts_on_existing_data_and_keeps_it()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), $"winback-localpg-{Guid.NewGuid():N}", "pg");
        try
        {
            var first = await LocalPostgres.StartAsync(new LocalPostgresOptions(dataDir, "kept") { Durable = false });
            await ExecuteAsync(first, "create table marker(id int); insert into marker values (42)");
            await first.StopAsync();

            var second = await LocalPostgres.StartAsync(new LocalPostgresOptions(dataDir, "kept") { Durable = false });
            await using var connection = new NpgsqlConnection(second.ConnectionStringFor("kept"));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select id from marker", connection);
            (await command.ExecuteScalarAsync()).ShouldBe(42);
            await second.StopAsync();
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dataDir)!, recursive: true);
        }
    }

    [Fact]
    public async Task Missing_binaries_get_one_message_that_says_what_to_do()
    {
        var empty = Directory.CreateTempSubdirectory("winback-nobin").FullName;

        var error = await Should.ThrowAsync<LocalPostgresException>(() =>
            LocalPostgres.StartAsync(new LocalPostgresOptions(Path.Combine(empty, "pg")) { BinDir = empty }));

        error.Message.ShouldContain("apt-get install postgresql");
        error.Message.ShouldContain("ConnectionStrings__WinBack");
        error.Message.ShouldContain("WinBack__PostgresBinDir");
        Directory.Delete(empty, recursive: true);
    }

    private static async Task ExecuteAsync(LocalPostgres server, string sql)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionStringFor(server.Database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
