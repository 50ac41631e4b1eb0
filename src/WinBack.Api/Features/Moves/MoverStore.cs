using JasperFx;
using JasperFx.Events;
using Marten;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Sharding;
using WinBack.Domain.Common;

namespace WinBack.Api.Features.Moves;

/// <summary>
/// A throw-away Marten store for one shard, whose sharded registry lives inside that shard (schema <see cref="RegistrySchema"/>),
/// not in the master. Marten's tenant calls act on the tenant's <i>current</i> assignment: <c>BulkInsertEventStreamAsync</c> writes
/// there and <c>RemoveTenantFromShardAsync</c> drops partitions there. Re-assigning the tenant in the real registry would route
/// its requests to the target before the copy is complete (WinBack resolves a tenant's database through Marten's assignment),
/// so the copier assigns the tenant to the shard in this store's registry only. It knows the events and the serializer of
/// the real store, no documents (they are not partitioned by tenant: MartenSetup).
/// </summary>
public static class MoverStore
{
    public const string RegistrySchema = "winback_move";

    // Its own pools, closed with it: disposing a sharded store disposes its registry's data source, which must not be the process's.
    // Its registry keeps the shard's connection string without the password, as the real store's does (SharedDataSources).
    public static DocumentStore For(IDocumentStore store, ShardLayout.Shard shard)
    {
        var pools = new SharedDataSources(ownedByStore: true);
        return DocumentStore.For(options =>
        {
            options.DataSourceFactory(pools);
            options.MultiTenantedWithShardedDatabases(sharding =>
            {
                sharding.DataSource = pools.Create(shard.ConnectionString);
                sharding.SchemaName = RegistrySchema;
                sharding.PartitionSchemaName = MartenSetup.SchemaName; // the shard's one partition registry, shared with the real store
                sharding.AddDatabase(shard.Name, pools.Stored(shard.ConnectionString));
                sharding.UseExplicitAssignment();
                sharding.AutoCreate = AutoCreate.CreateOrUpdate; // its own registry tables only
            });
            options.DatabaseSchemaName = MartenSetup.SchemaName;
            options.Serializer(store.Options.Serializer()); // the copied events' bodies are written as the real store writes them
            options.Events.StreamIdentity = StreamIdentity.AsString;
            options.Events.AppendMode = EventAppendMode.Quick;
            options.Events.AddEventTypes(DomainEvents.All);
            options.AutoCreateSchemaObjects = AutoCreate.None; // the real store owns the shard's schema
        });
    }
}
