using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Sharding;
using SessionOptions = Marten.Services.SessionOptions;

namespace WinBack.Api.Infrastructure.Marten;

/// <summary>
/// Sessions injected into endpoints belong to the caller's tenant, so one tenant's query can never
/// see another's rows; another tenant's id simply is not found (404). Marten opens them on the tenant's shard.
/// </summary>
public sealed class TenantSessionFactory(IDocumentStore store, IHttpContextAccessor http, ShardLayout layout, ShardDatabases shards) : ISessionFactory
{
    // FastEndpoints builds each endpoint once while it maps them, outside any request: that instance is only read for its
    // configuration, so its session belongs to no tenant and is never used. It is opened on the first shard, not yet connected.
    public const string NoTenant = "*no-tenant*";

    public IQuerySession QuerySession() =>
        http.HttpContext is null ? store.QuerySession(Unused()) : store.QuerySession(TenantId(http.HttpContext));

    public IDocumentSession OpenSession() =>
        http.HttpContext is null ? store.LightweightSession(Unused()) : store.LightweightSession(TenantId(http.HttpContext));

    // A tenant's data lives on its shard; a caller without a tenant (the platform key) has no shard to open a session on.
    private static string TenantId(HttpContext context) => Caller.From(context.User)?.TenantId
        ?? throw new InvalidOperationException("Sessions are opened for the caller's tenant; this caller has none (platform endpoints read platform data).");

    private SessionOptions Unused() => SessionOptions.ForDatabase(NoTenant, _firstShard.Value);

    // Looked up once (start-up is the only time it is needed, and it runs synchronously there).
    private readonly Lazy<global::Marten.Storage.IMartenDatabase> _firstShard = new(() =>
        shards.FindAsync(layout.Shards[0].Name).AsTask().GetAwaiter().GetResult().Database);
}
