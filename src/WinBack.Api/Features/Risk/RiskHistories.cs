using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Features.Risk;

/// <summary>
/// Every purchasing customer's (x, t_x, T) in fractional days at the tenant's time, aggregated in SQL over the customer
/// summaries so that a fit reads one row per distinct history instead of one per customer (derivation: <see cref="PurchaseHistorySql"/>).
/// </summary>
internal static class RiskHistories
{
    public static async Task<PurchaseHistories> LoadAsync(IDocumentStore store, string tenantId, DateTimeOffset now, CancellationToken ct)
    {
        var table = CustomerSummaries.Table;
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using var command = Sql.Command(connection, $"""
            select {PurchaseHistorySql.X} as x, {PurchaseHistorySql.Tx("@now")} as tx,
                   {PurchaseHistorySql.T("@now")} as t, count(*)::float8 as weight
            from {table}
            where tenant_id = @tenant and {PurchaseHistorySql.HasHistory("@now")}
            group by 1, 2, 3
            """, ("tenant", tenantId), ("now", now));
        command.CommandTimeout = 600;
        List<int> x = [];
        List<double> tx = [], t = [], weight = [];
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            x.Add(reader.Get<int>("x"));
            tx.Add(reader.Get<double>("tx"));
            t.Add(reader.Get<double>("t"));
            weight.Add(reader.Get<double>("weight"));
        }
        return new PurchaseHistories([.. x], [.. tx], [.. t], [.. weight]);
    }
}
