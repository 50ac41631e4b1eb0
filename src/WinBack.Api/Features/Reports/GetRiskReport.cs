using FastEndpoints;
using WinBack.Api.Features.Risk;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Common;

namespace WinBack.Api.Features.Reports;

/// <param name="From">Lower bound of pAlive, inclusive.</param>
/// <param name="To">Upper bound, exclusive (the last decile includes 1: one-time buyers and the freshly active).</param>
/// <param name="Customers">Scored customers in it.</param>
public sealed record RiskDecileView(double From, double To, long Customers);

/// <param name="AsOf">The tenant's time the scores are evaluated at.</param>
/// <param name="FittedAt">The tenant's time of the fit in force.</param>
/// <param name="Customers">Customers with a purchase history, each scored once.</param>
/// <param name="Deciles">Ten pAlive buckets, 0-0.1 first, with their customer counts.</param>
/// <param name="AtRiskCustomers">Customers with pAlive below 0.5.</param>
/// <param name="LifetimeValueAtRisk">The sum of their lifetime value (imported plus recorded purchases minus refunds), per currency.</param>
/// <param name="ExpectedPurchases90d">The sum of every scored customer's expected purchases in the next 90 days.</param>
public sealed record RiskReportView(DateTimeOffset AsOf, DateTimeOffset FittedAt, long Customers, IReadOnlyList<RiskDecileView> Deciles,
    long AtRiskCustomers, IReadOnlyList<MoneyView> LifetimeValueAtRisk, double ExpectedPurchases90d)
{
    public static RiskReportView Of(RiskScorer scorer, RiskDistribution d) => new(scorer.Now, scorer.Model.FittedAt, d.Customers,
        d.Deciles.Select((n, i) => new RiskDecileView(i / 10.0, (i + 1) / 10.0, n)).ToList(), d.AtRiskCustomers,
        MoneyView.ListOf(d.LifetimeValueAtRisk.ToDictionary(v => v.Key, v => InRange(v.Value))), Math.Round(d.ExpectedPurchases, 6));

    // PostgreSQL sums in numeric; a sum past 64 bits is the reports' 422, not an OverflowException.
    private static long InRange(decimal value) => value is >= long.MinValue and <= long.MaxValue
        ? (long)value
        : throw new DomainRuleViolated(ReactivationQuery.SumOutOfRange, $"Lifetime value at risk sums to {value}, past the largest a report can show ({long.MaxValue}).");

    public static readonly RiskReportView Example = new(DateTimeOffset.Parse("2026-11-24T09:30:00Z"), DateTimeOffset.Parse("2026-11-22T03:00:00Z"),
        5200, [.. new long[] { 310, 240, 220, 210, 230, 260, 330, 480, 720, 2200 }.Select((n, i) => new RiskDecileView(i / 10.0, (i + 1) / 10.0, n))],
        1210, [new MoneyView(14_520_000, "eur")], 3180.4);
}

public sealed class GetRiskReportEndpoint(CustomerRisks risks) : EndpointWithoutRequest<RiskReportView>
{
    private static readonly ApiProblem NoModel = ApiProblem.Of(StatusCodes.Status409Conflict, ErrorCodes.RiskModelMissing, "No risk model",
        "This tenant has no fitted risk model in force, so there is no risk distribution yet. See GET /v1/risk-model; POST /v1/risk-model/refit fits one.");

    public override void Configure()
    {
        Get("/reports/risk");
        Roles(ApiScopes.Admin);
        Tags("Reports");
        Summary(s =>
        {
            s.Summary = "Customer risk distribution";
            s.Description = "How your customers spread over pAlive (the BG/NBD probability that a customer is still active), scored now " +
                            "on your tenant's clock with the fitted model in force: customer counts per pAlive decile, the lifetime value " +
                            "of customers below 0.5 per currency, and the expected purchases of all customers in the next 90 days. " +
                            "Customers without a purchase are not scored; one-time buyers have pAlive 1. 409 risk_model_missing " +
                            "without a fitted model.";
            s.Responses[200] = "The distribution.";
            s.ResponseExamples[200] = RiskReportView.Example;
            s.Responses[409] = "No fitted model is in force (risk_model_missing).";
            s.ResponseExamples[409] = NoModel;
            s.Responses[422] = "Lifetime value at risk sums past the largest a report can show (report_sum_out_of_range).";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var scorer = await risks.ForTenantAsync(HttpContext.Caller().RequireTenant(), ct) ?? throw new ApiException(NoModel);
        await Send.OkAsync(RiskReportView.Of(scorer, await scorer.DistributionAsync(ct)), ct);
    }
}
