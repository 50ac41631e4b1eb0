using Marten;
using WinBack.Api.Features.ApiKeys;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Features.Tenants;

/// <summary>
/// Creates a tenant on a shard: the named one, or the one with the fewest tenants (ties go to the first name). The master
/// row is written first (provisioning, under one lock so that two creations count each other), then Marten prepares the
/// shard (the tenant's partitions, and its row in Marten's assignment table), and only then are the tenant's keys minted
/// and the tenant made active. A creation that dies half-way leaves a provisioning tenant without keys: nobody can use it.
/// </summary>
public sealed class TenantPlacement(IDocumentStore store, PlatformDatabase platform, ShardLayout layout)
{
    public async Task<Tenant> CreateAsync(Tenant tenant, string? shard, IReadOnlyList<ApiKey> keys, CancellationToken ct)
    {
        await using (var connection = await Sql.OpenPlatformAsync(platform, ct))
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await TransactionLocks.TakeAsync(connection, [LockKeys.Placement], ct);
            var counts = await TenantStore.CountPerShardAsync(connection, ct);
            tenant = new Tenant
            {
                Id = tenant.Id, Name = tenant.Name, Mode = tenant.Mode, CreatedAt = tenant.CreatedAt, Status = TenantStatus.Provisioning, ApiVersion = tenant.ApiVersion,
                Shard = shard ?? layout.Shards.MinBy(s => counts.GetValueOrDefault(s.Name))!.Name, // MinBy keeps the first of equals
            };
            await TenantStore.InsertAsync(connection, tenant, ct);
            await transaction.CommitAsync(ct);
        }

        await store.Advanced.AddTenantToShardAsync(tenant.Id, tenant.Shard, ct);

        await using (var connection = await Sql.OpenPlatformAsync(platform, ct))
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await ApiKeyStore.InsertAsync(connection, tenant.Id, keys, ct);
            await TenantStore.SetStatusAsync(connection, tenant.Id, TenantStatus.Active, ct);
            await transaction.CommitAsync(ct);
        }
        return new Tenant
        {
            Id = tenant.Id, Name = tenant.Name, Mode = tenant.Mode, CreatedAt = tenant.CreatedAt, Shard = tenant.Shard, Status = TenantStatus.Active,
            ApiVersion = tenant.ApiVersion,
        };
    }
}
