using Marten;

namespace WinBack.Api.Infrastructure.Marten;

/// <summary>
/// Marten's per-process map of tenants to shards, as a subscription on a shard needs it: <c>ForTenant</c> refuses a tenant the
/// map does not place on the subscription's database. A tenant created by another process, or just moved here, is not in it
/// until the map is reloaded (Sharding/TenantRouting does so when a move flips; this covers the moment before).
/// </summary>
public static class TenantMap
{
    /// <summary>Reloads the map once when one of <paramref name="tenants"/> is not placed on the page's database.</summary>
    public static async Task KnowAsync(IDocumentOperations operations, IEnumerable<string> tenants)
    {
        var tenancy = operations.DocumentStore.Options.Tenancy;
        if (tenants.Distinct().All(t => tenancy.IsTenantStoredInCurrentDatabase(operations.Database, t)))
            return;
        await operations.DocumentStore.Storage.AllDatabases();
    }
}
