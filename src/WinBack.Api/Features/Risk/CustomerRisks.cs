using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Risk;

namespace WinBack.Api.Features.Risk;

/// <summary>A customer's BG/NBD score, evaluated at the tenant's current time with the model in force.</summary>
/// <param name="PAlive">P(alive | x, t_x, T) now; 1 for a customer with no repeat purchase (in BG/NBD one cannot drop out before).</param>
/// <param name="ExpectedPurchases90d">Expected purchases in the next 90 days.</param>
/// <param name="Model">The model that scored: bgnbd.</param>
/// <param name="FittedAt">The tenant's time of the fit in force.</param>
/// <param name="AtRiskSince">
/// When pAlive fell below the tenant's at-risk threshold (atRiskThreshold in /v1/settings, default 0.3): the first purchase plus
/// the model's crossing age. Null while pAlive is still at or above it, and always for one-time buyers.
/// </param>
[Published]
public sealed record CustomerRiskView(double PAlive, double ExpectedPurchases90d, string Model, DateTimeOffset FittedAt, DateTimeOffset? AtRiskSince)
{
    public static readonly CustomerRiskView Example = new(0.21, 0.4, "bgnbd", DateTimeOffset.Parse("2026-11-22T03:00:00Z"),
        DateTimeOffset.Parse("2026-11-09T14:12:00Z"));
}

/// <summary>Scores customers with the tenant's model in force; the one place that reads a customer's history for a score.</summary>
[Published]
public sealed class CustomerRisks(IDocumentStore store, RiskModels models, TenantClock clock)
{
    public const double HorizonDays = 90;

    /// <summary>The answer to a score filter on a tenant without a model in force: 409, since the request is fine but nothing can be scored yet.</summary>
    public static readonly ApiProblem NoModel = ApiProblem.Of(409, ErrorCodes.RiskModelMissing, "No risk model",
        "This tenant has no fitted risk model in force, so customers have no pAlive to filter on. See GET /v1/risk-model; " +
        "POST /v1/risk-model/refit fits one.");

    /// <summary>A scorer at the tenant's current time, or null when the tenant has no fitted model in force.</summary>
    public async Task<RiskScorer?> ForTenantAsync(string tenantId, CancellationToken ct) =>
        (await models.CurrentAsync(tenantId, ct))?.InForce is { } fitted
            ? new RiskScorer(store, tenantId, fitted, await clock.NowAsync(tenantId, ct),
                (await TenantSettings.LoadAsync(store, tenantId, ct)).AtRiskThreshold)
            : null;

    /// <summary>One customer's score now, or null (no model in force, or no purchase yet).</summary>
    public async Task<CustomerRiskView?> ScoreAsync(string tenantId, string customerId, CancellationToken ct) =>
        await ForTenantAsync(tenantId, ct) is { } scorer ? (await scorer.ScoreAsync([customerId], ct)).GetValueOrDefault(customerId) : null;
}

/// <summary>One tenant's model in force and its current time.</summary>
[Published]
public sealed class RiskScorer(IDocumentStore store, string tenantId, RiskModelFitted fitted, DateTimeOffset now,
    double atRiskThreshold = TenantSettings.DefaultAtRiskThreshold)
{
    /// <summary>The fit in force that scores.</summary>
    public RiskModelFitted Model => fitted;

    /// <summary>The tenant's time the scores are evaluated at.</summary>
    public DateTimeOffset Now => now;

    /// <summary>How all of the tenant's scored customers spread over pAlive now.</summary>
    public Task<RiskDistribution> DistributionAsync(CancellationToken ct) => RiskDistribution.LoadAsync(store, tenantId, fitted, now, ct);

    /// <summary>The scores of those of <paramref name="customerIds"/> who have a purchase history (the others have none).</summary>
    public async Task<IReadOnlyDictionary<string, CustomerRiskView>> ScoreAsync(IReadOnlyList<string> customerIds, CancellationToken ct)
    {
        var scores = new Dictionary<string, CustomerRiskView>();
        if (customerIds.Count == 0)
            return scores;
        var table = CustomerSummaries.Table;
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using var command = Sql.Command(connection, $"""
            select id, {PurchaseHistorySql.X} as x, {PurchaseHistorySql.Tx("@now")} as t_x, {PurchaseHistorySql.T("@now")} as t
            from {table}
            where tenant_id = @tenant and id = any(@ids) and {PurchaseHistorySql.HasHistory("@now")}
            """, ("tenant", tenantId), ("now", now), ("ids", customerIds.ToArray()));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            scores[reader.Get<string>("id")] = Score(new PurchaseHistory(reader.Get<int>("x"), reader.Get<double>("t_x"), reader.Get<double>("t")));
        return scores;
    }

    /// <summary>
    /// A SQL condition on the customers' table (<see cref="CustomerSummaries.Table"/>): has a history and pAlive at most <paramref name="max"/>.
    /// The time and parameters are written as literals this code formats, never text from a request.
    /// </summary>
    public string PAliveAtMostSql(double max)
    {
        var at = $"'{now.UtcDateTime:yyyy-MM-ddTHH:mm:ss.ffffffZ}'::timestamptz";
        return $"({PurchaseHistorySql.HasHistory(at)} and {PurchaseHistorySql.PAlive(fitted.Parameters, at)} <= " +
               $"{max.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}::float8)";
    }

    private CustomerRiskView Score(PurchaseHistory h) =>
        new(BgNbd.PAlive(fitted.Parameters, h), BgNbdFormulas.ExpectedPurchases(fitted.Parameters, h, CustomerRisks.HorizonDays),
            "bgnbd", fitted.FittedAt, AtRiskSince(h));

    // pAlive falls monotonically with age, so it crossed the threshold at the first purchase plus the crossing age, once that age is reached.
    private DateTimeOffset? AtRiskSince(PurchaseHistory h) =>
        BgNbd.AtRiskAge(fitted.Parameters, h.X, h.Tx, atRiskThreshold) is { } age && age <= h.T ? now.AddDays(age - h.T) : null;
}
