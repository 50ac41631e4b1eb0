using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Sharding;

/// <summary>
/// Marten keeps the shards' connection strings in the master (mt_database_pool), and a copy's throw-away store in the target
/// shard: they are stored without their password, and the service still reaches the shards with the configured one.
/// </summary>
public sealed class ShardPasswordTests(ShardPasswordTests.WithPasswords app) : IClassFixture<ShardPasswordTests.WithPasswords>
{
    private const string Password = "shard-password-never-stored-7f3a";

    public sealed class WithPasswords : ShardedWinBackApp
    {
        // The test servers trust loopback connections, so the password is sent to no one; it only has to stay unstored.
        protected override IReadOnlyDictionary<string, string> Settings =>
            ShardSettings.ToDictionary(s => s.Key, s => $"{s.Value};Password={Password}");
    }

    [Fact]
    public async Task A_shards_password_is_not_stored_in_the_master_and_its_tenants_are_served()
    {
        var tenant = await app.CreateTenantAsync(shard: "b");
        await tenant.ActivityAsync("c1", "purchase", amount: 100);
        (await tenant.CustomerAsync("c1")).GetProperty("orderCount").GetInt32().ShouldBe(1);

        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select string_agg(connection_string, ' ') from winback.mt_database_pool", connection);
        var stored = (string)(await command.ExecuteScalarAsync())!;
        stored.ShouldContain("Database=");
        stored.ShouldNotContain(Password);
        // A copy to the other shard keeps its own registry inside the target (the mover store): no password there either.
        await app.Services.GetRequiredService<WinBack.Api.Features.Moves.TenantCopier>().CopyAsync(tenant.Id, "b", "a", null, CancellationToken.None);
        foreach (var database in new[] { app.ConnectionString, app.Shard("a"), app.Shard("b") })
            (await WinBack.Api.Tests.Infrastructure.Secrets.SecretsAtRestTests.DumpAsync(database)).ShouldNotContain(row => row.Contains(Password));
    }
}
