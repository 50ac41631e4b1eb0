using Marten;
using WinBack.Api.Infrastructure.Auth;

namespace WinBack.Api.Infrastructure.Marten;

/// <summary>
/// Sessions injected into endpoints belong to the caller's tenant, so one tenant's query can never
/// see another's rows; another tenant's id simply is not found (404).
/// </summary>
public sealed class TenantSessionFactory(IDocumentStore store, IHttpContextAccessor http) : ISessionFactory
{
    public IQuerySession QuerySession() =>
        TenantId() is { } tenant ? store.QuerySession(tenant) : store.QuerySession();

    public IDocumentSession OpenSession() =>
        TenantId() is { } tenant ? store.LightweightSession(tenant) : store.LightweightSession();

    private string? TenantId() => http.HttpContext is { } context ? Caller.From(context.User)?.TenantId : null;
}
