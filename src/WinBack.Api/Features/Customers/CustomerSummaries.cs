using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Text;
using Marten;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
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
    public static async Task<CustomerSummary?> LoadAsync(IQuerySession session, string customerId, CancellationToken ct) =>
        (await LoadManyAsync(session, [customerId], ct)).SingleOrDefault();

    /// <summary>The summaries of those of <paramref name="customerIds"/> that exist, in no particular order.</summary>
    public static async Task<IReadOnlyList<CustomerSummary>> LoadManyAsync(IQuerySession session, IEnumerable<string> customerIds, CancellationToken ct) =>
        CustomerSummaryTable.ReadAll(session.DocumentStore, await session.AdvancedSql.QueryAsync<string>(CustomerSummaryTable.SelectByIds, ct,
            session.TenantId, customerIds.ToArray()));

    /// <summary>The customer who carries <paramref name="stripeCustomerId"/>, or null.</summary>
    public static async Task<string?> IdOfStripeCustomerAsync(IQuerySession session, string stripeCustomerId, CancellationToken ct) =>
        (await session.AdvancedSql.QueryAsync<string>('^',
            $"select id from {CustomerSummaryTable.Name} where tenant_id = ^ and stripe_customer_id = ^ limit 1", ct,
            session.TenantId, stripeCustomerId)).FirstOrDefault();

    /// <summary>
    /// The customers in <paramref name="status"/> for whom every one of <paramref name="conditions"/> (the domain's, on a customer)
    /// holds, streamed. The equality on the status and a bound on the last activity are what the (status, last activity) index serves.
    /// </summary>
    public static async IAsyncEnumerable<CustomerSummary> WhereAsync(IQuerySession session, CustomerStatus status,
        IEnumerable<Expression<Func<Customer, bool>>> conditions, [EnumeratorCancellation] CancellationToken ct)
    {
        var (sql, parameters) = Where(session, "data", status, conditions);
        await foreach (var json in session.AdvancedSql.StreamAsync<string>('^', sql, ct, parameters))
            yield return CustomerSummaryTable.Read(session.DocumentStore, json);
    }

    /// <summary>The ids of <see cref="WhereAsync"/>'s customers.</summary>
    public static IAsyncEnumerable<string> IdsWhereAsync(IQuerySession session, CustomerStatus status,
        IEnumerable<Expression<Func<Customer, bool>>> conditions, CancellationToken ct)
    {
        var (sql, parameters) = Where(session, "id", status, conditions);
        return session.AdvancedSql.StreamAsync<string>('^', sql, ct, parameters);
    }

    /// <summary>
    /// A page of the customers, ordered by id, that match the filter. <paramref name="columnsCondition"/> is a SQL condition on
    /// the typed columns of the table (the risk score's); <paramref name="attributes"/> must all be present with these values.
    /// </summary>
    public static async Task<Page<CustomerSummary>> PageAsync(IQuerySession session, CustomerStatus? status, DateTimeOffset? lastActivityBefore,
        DateTimeOffset? lastActivityAfter, IReadOnlyDictionary<string, string> attributes, string? columnsCondition, PageRequest page, CancellationToken ct)
    {
        var sql = new StringBuilder($"{CustomerSummaryTable.SelectData}^");
        List<object> parameters = [session.TenantId];
        void And(string condition, params object[] values)
        {
            sql.Append(" and ").Append(condition);
            parameters.AddRange(values);
        }
        if (columnsCondition is not null)
            And(columnsCondition);
        if (status is { } s)
            And("status = ^", CustomerSummaryTable.StatusText(session.DocumentStore, s));
        if (lastActivityBefore is { } before)
            And(CustomerSummaryTable.ActivityBound("<", before, parameters));
        if (lastActivityAfter is { } after)
            And(CustomerSummaryTable.ActivityBound(">=", after, parameters));
        // JSON containment: the stored attributes include every requested key with its value.
        if (attributes.Count > 0)
            And("attributes @> ^::jsonb", System.Text.Json.JsonSerializer.Serialize(attributes));
        if (page.StartingAfter is { } cursor)
            And("id > ^", cursor);
        sql.Append(" order by id limit ^");
        parameters.Add((page.Limit ?? Paging.DefaultLimit) + 1);
        return Paging.PageOf(CustomerSummaryTable.ReadAll(session.DocumentStore,
            await session.AdvancedSql.QueryAsync<string>('^', sql.ToString(), ct, [.. parameters])), page);
    }

    /// <summary>
    /// The table of the summaries, for SQL that aggregates over a tenant's customers: filter it by tenant_id, read its typed
    /// columns (<see cref="CustomerSummaryTable.ColumnOf"/>), and parse <c>data</c> (the summary's JSON, as text) only where a
    /// field has no column.
    /// </summary>
    public static string Table => CustomerSummaryTable.Name;

    private static (string Sql, object[] Parameters) Where(IQuerySession session, string column, CustomerStatus status,
        IEnumerable<Expression<Func<Customer, bool>>> conditions)
    {
        List<object> parameters = [session.TenantId, CustomerSummaryTable.StatusText(session.DocumentStore, status)];
        var sql = new StringBuilder($"select {column} from {CustomerSummaryTable.Name} where tenant_id = ^ and status = ^");
        foreach (var condition in conditions)
            sql.Append(" and ").Append(CustomerConditions.ToSql(session.DocumentStore, condition, parameters));
        return (sql.ToString(), [.. parameters]);
    }
}
