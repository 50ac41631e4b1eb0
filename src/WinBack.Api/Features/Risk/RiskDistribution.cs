using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Features.Risk;

/// <summary>How a tenant's scored customers spread over pAlive, at the tenant's time with the model in force.</summary>
/// <param name="Deciles">Customers per pAlive decile, [0, 0.1) first; pAlive 1 falls in the last.</param>
/// <param name="AtRiskCustomers">Customers with pAlive below <see cref="RiskDistribution.AtRiskBelow"/>.</param>
/// <param name="LifetimeValueAtRisk">Their lifetime value (imported plus recorded), per currency, summed in PostgreSQL's numeric.</param>
/// <param name="ExpectedPurchases">Expected purchases of all scored customers over <see cref="CustomerRisks.HorizonDays"/>.</param>
[Published]
public sealed record RiskDistribution(long Customers, IReadOnlyList<long> Deciles, long AtRiskCustomers,
    IReadOnlyDictionary<string, decimal> LifetimeValueAtRisk, double ExpectedPurchases)
{
    public const double AtRiskBelow = 0.5;

    /// <summary>Deciles and value at risk in SQL (<see cref="PurchaseHistorySql.PAlive"/>); expected purchases, which need ₂F₁, over the
    /// distinct (x, t_x, T) rows the fit also reads (<see cref="RiskHistories"/>).</summary>
    internal static async Task<RiskDistribution> LoadAsync(IDocumentStore store, string tenantId, Domain.Risk.RiskModelFitted fitted,
        DateTimeOffset now, CancellationToken ct)
    {
        var table = CustomerSummaries.Table;
        var deciles = new long[10];
        var value = new Dictionary<string, decimal>(StringComparer.Ordinal);
        long atRisk = 0;
        await using (var connection = await Sql.OpenForTenantAsync(store, tenantId, ct))
        {
            await using var command = Sql.Command(connection, $"""
                with scored as (
                    -- The JSON only of those at risk, whose lifetime value (no column of its own) is summed below.
                    select p_alive, case when p_alive < @below then data end as data
                    from (select data, {PurchaseHistorySql.PAlive(fitted.Parameters, "@now")} as p_alive
                          from {table}
                          where tenant_id = @tenant and {PurchaseHistorySql.HasHistory("@now")}) s
                ), at_risk as (select data::jsonb -> 'state' as state from scored where p_alive < @below)
                select 'decile' as kind, least(floor(p_alive * 10)::int, 9)::text as key, count(*)::numeric as total from scored group by 2
                union all
                select 'at_risk', null, count(*)::numeric from at_risk
                union all
                select 'value', v.currency, sum(v.amount) from at_risk,
                    lateral (select key as currency, value::numeric as amount from jsonb_each_text(at_risk.state -> 'recordedLifetimeValue')
                             union all
                             select at_risk.state -> 'imported' -> 'lifetimeValue' ->> 'currency',
                                    (at_risk.state -> 'imported' -> 'lifetimeValue' ->> 'amount')::numeric
                             where jsonb_typeof(at_risk.state -> 'imported' -> 'lifetimeValue') = 'object') v
                    group by v.currency
                """, ("tenant", tenantId), ("now", now), ("below", AtRiskBelow));
            command.CommandTimeout = 600;
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var total = reader.Get<decimal>("total");
                switch (reader.Get<string>("kind"))
                {
                    case "decile": deciles[int.Parse(reader.Get<string>("key"), System.Globalization.CultureInfo.InvariantCulture)] = (long)total; break;
                    case "at_risk": atRisk = (long)total; break;
                    default: value[reader.Get<string>("key")] = total; break;
                }
            }
        }
        var histories = await RiskHistories.LoadAsync(store, tenantId, now, ct);
        var expected = 0.0;
        for (var i = 0; i < histories.Count; i++)
            expected += histories.Weight[i] * BgNbdFormulas.ExpectedPurchases(fitted.Parameters,
                new Domain.Risk.PurchaseHistory(histories.X[i], histories.Tx[i], histories.T[i]), CustomerRisks.HorizonDays);
        return new RiskDistribution(deciles.Sum(), deciles, atRisk, value, expected);
    }
}
