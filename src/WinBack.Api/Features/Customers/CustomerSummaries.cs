using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Marten.Linq.MatchesSql;
using Marten;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

/// <summary>
/// The one way to read customers' hot state (<see cref="CustomerSummary"/>), for every feature: by id, by Stripe id, by
/// status and the domain's conditions on a customer, a page of the list, and the table for SQL aggregates. How the state is
/// stored is this class's business and <see cref="CustomerEventWriter"/>'s, which writes it; no reader names its storage.
/// </summary>
[Published]
public static class CustomerSummaries
{
    private static readonly Expression<Func<CustomerSummary, Customer>> StateOf = c => c.State;

    public static Task<CustomerSummary?> LoadAsync(IQuerySession session, string customerId, CancellationToken ct) =>
        session.LoadAsync<CustomerSummary>(customerId, ct);

    /// <summary>The summaries of those of <paramref name="customerIds"/> that exist, in no particular order.</summary>
    public static async Task<IReadOnlyList<CustomerSummary>> LoadManyAsync(IQuerySession session, IEnumerable<string> customerIds, CancellationToken ct) =>
        await session.LoadManyAsync<CustomerSummary>(ct, customerIds);

    /// <summary>The customer who carries <paramref name="stripeCustomerId"/>, or null.</summary>
    public static Task<string?> IdOfStripeCustomerAsync(IQuerySession session, string stripeCustomerId, CancellationToken ct) =>
        session.Query<CustomerSummary>().Where(c => c.State.StripeCustomerId == stripeCustomerId).Select(c => c.Id).FirstOrDefaultAsync(ct);

    /// <summary>
    /// The customers in <paramref name="status"/> for whom every one of <paramref name="conditions"/> (the domain's, on a customer)
    /// holds. The equality on the status and a bound on the last activity are what the (status, last activity) index serves.
    /// </summary>
    public static IAsyncEnumerable<CustomerSummary> WhereAsync(IQuerySession session, CustomerStatus status,
        IEnumerable<Expression<Func<Customer, bool>>> conditions, CancellationToken ct) =>
        Where(session, status, conditions).ToAsyncEnumerable(ct);

    /// <summary>The ids of <see cref="WhereAsync"/>'s customers.</summary>
    public static async IAsyncEnumerable<string> IdsWhereAsync(IQuerySession session, CustomerStatus status,
        IEnumerable<Expression<Func<Customer, bool>>> conditions, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var id in Where(session, status, conditions).Select(c => c.Id).ToAsyncEnumerable(ct))
            yield return id;
    }

    /// <summary>
    /// A page of the customers, ordered by id, that match the filter. <paramref name="dataCondition"/> is a SQL condition on the
    /// stored state written against <see cref="StateData"/> (the risk score's); <paramref name="attributes"/> must all be present
    /// with these values.
    /// </summary>
    public static Task<Page<CustomerSummary>> PageAsync(IQuerySession session, CustomerStatus? status, DateTimeOffset? lastActivityBefore,
        DateTimeOffset? lastActivityAfter, IReadOnlyDictionary<string, string> attributes, string? dataCondition, PageRequest page, CancellationToken ct)
    {
        IQueryable<CustomerSummary> query = session.Query<CustomerSummary>();
        if (dataCondition is not null)
            query = query.Where(c => c.MatchesSql(dataCondition));
        if (status is { } s)
            query = query.Where(c => c.State.Status == s);
        if (lastActivityBefore is { } before)
            query = query.Where(c => c.State.LastActivityAt < before);
        if (lastActivityAfter is { } after)
            query = query.Where(c => c.State.LastActivityAt >= after);
        if (attributes.Count > 0)
        {
            // JSON containment: the stored attributes include every requested key with its value.
            var containment = System.Text.Json.JsonSerializer.Serialize(new { state = new { attributes } });
            query = query.Where(c => c.MatchesSql($"{StateData} @> ?::jsonb", containment));
        }
        return query.PageAsync(page, ct, descending: false);
    }

    /// <summary>The table of the summaries, for SQL that aggregates over a tenant's customers; filter it by tenant_id.</summary>
    public static string Table(IDocumentStore store) => Sql.TableOf<CustomerSummary>(store);

    /// <summary>The jsonb column of <see cref="Table"/> that holds the stored summary, as SQL, aliased <c>d</c> in a page's query.</summary>
    public const string StateData = "d.data";

    private static IQueryable<CustomerSummary> Where(IQuerySession session, CustomerStatus status, IEnumerable<Expression<Func<Customer, bool>>> conditions)
    {
        var query = session.Query<CustomerSummary>().Where(c => c.State.Status == status);
        foreach (var condition in conditions)
            query = query.Where(OnSummary(condition));
        return query;
    }

    // The domain's condition on a customer, as the same condition on their stored summary.
    private static Expression<Func<CustomerSummary, bool>> OnSummary(Expression<Func<Customer, bool>> condition)
    {
        var state = new Rebind(condition.Parameters[0], StateOf.Body).Visit(condition.Body);
        return Expression.Lambda<Func<CustomerSummary, bool>>(state, StateOf.Parameters);
    }

    private sealed class Rebind(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
