using Npgsql;

namespace WinBack.Api.Infrastructure.Sharding;

/// <summary>
/// The master database, for data that belongs to no tenant (<see cref="ShardLayout"/>). Reached only through
/// <see cref="Postgres.Sql.OpenPlatformAsync"/>; authentication and tenant lookup read nothing else. Its pool is the
/// process's one pool for the master (<see cref="SharedDataSources"/>).
/// </summary>
public sealed class PlatformDatabase(NpgsqlDataSource source)
{
    public NpgsqlConnection CreateConnection() => source.CreateConnection();
}
