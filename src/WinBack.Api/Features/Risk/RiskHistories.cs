using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Features.Risk;

/// <summary>
/// Every purchasing customer's (x, t_x, T) in fractional days at the tenant's time, aggregated in SQL over the customer
/// summaries so that a fit reads one row per distinct history instead of one per customer. Summaries stored before
/// firstPurchaseAt existed fall back to firstSeenAt, which is never later than the first purchase.
/// </summary>
internal static class RiskHistories
{
    public static async Task<PurchaseHistories> LoadAsync(IDocumentStore store, string tenantId, DateTimeOffset now, CancellationToken ct)
    {
        var table = store.Options.FindOrResolveDocumentType(typeof(CustomerSummary)).TableName.QualifiedName;
        await using var connection = await Sql.OpenAsync(store, ct);
        await using var command = Sql.Command(connection, $"""
            select x, tx, t, count(*)::float8 from (
              select greatest(orders - 1, 0) as x,
                     case when orders > 1 then least(extract(epoch from last_at - first_at), extract(epoch from @now - first_at))::float8 / 86400
                          else 0 end as tx,
                     extract(epoch from @now - first_at)::float8 / 86400 as t
              from (select coalesce(data -> 'state' ->> 'firstPurchaseAt', data -> 'state' ->> 'firstSeenAt')::timestamptz as first_at,
                           (data -> 'state' ->> 'lastPurchaseAt')::timestamptz as last_at,
                           (data -> 'state' ->> 'recordedOrderCount')::int
                             + coalesce((data -> 'state' -> 'imported' ->> 'orderCount')::int, 0) as orders
                    from {table}
                    where tenant_id = @tenant and data -> 'state' ->> 'lastPurchaseAt' is not null) customer
              where orders > 0 and first_at <= @now) history
            group by x, tx, t
            """, ("tenant", tenantId), ("now", now));
        command.CommandTimeout = 600;
        List<int> x = [];
        List<double> tx = [], t = [], weight = [];
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            x.Add(reader.GetInt32(0));
            tx.Add(reader.GetDouble(1));
            t.Add(reader.GetDouble(2));
            weight.Add(reader.GetDouble(3));
        }
        return new PurchaseHistories([.. x], [.. tx], [.. t], [.. weight]);
    }
}
