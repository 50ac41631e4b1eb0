using FastEndpoints;
using Marten;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Reports;

/// <param name="AsOf">The time the report stands at (a test tenant's clock).</param>
/// <param name="Outstanding">Unused account credit of rewards pending or available now, per currency.</param>
/// <param name="Expiring">Rewards available now that expire within the next 7 and 30 days.</param>
/// <param name="Daily">Every UTC day from 'from' to 'to': the outstanding credit at the end of the day.</param>
public sealed record LiabilityReportView(DateTimeOffset AsOf, IReadOnlyList<MoneyView> Outstanding, IReadOnlyList<ExpiringRewards> Expiring,
    IReadOnlyList<LiabilityDay> Daily);

/// <param name="Days">The window after asOf.</param>
/// <param name="Rewards">Rewards of every type, available now (not pending, with credit or uses left), whose expiry falls in the window.</param>
/// <param name="Credit">Their unused account credit, per currency.</param>
public sealed record ExpiringRewards(int Days, long Rewards, IReadOnlyList<MoneyView> Credit);

/// <param name="Date">The UTC day.</param>
/// <param name="Outstanding">Unused credit at the end of the UTC day (or now, for today), per currency; currencies with none are left out.</param>
public sealed record LiabilityDay(DateOnly Date, IReadOnlyList<MoneyView> Outstanding);

public sealed class GetLiabilityReportEndpoint(IDocumentStore store, TenantClock clock) : Endpoint<GetReportOverviewRequest, LiabilityReportView>
{
    public override void Configure()
    {
        Get("/reports/liability");
        Roles(ApiScopes.Admin);
        Tags("Reports");
        Summary(s =>
        {
            s.Summary = "Reward liability";
            s.Description = "For a dashboard: the account credit the tenant owes its customers. outstanding is the unused credit of rewards " +
                            "pending or available now, manual rewards included; expiring counts the rewards available now whose expiry " +
                            "falls within the next 7 and 30 days, with their unused credit; daily is the outstanding credit at the end of " +
                            "every UTC day from 'from' to 'to' (the same range and defaults as the overview), following issues, " +
                            "redemptions, reversals, expiries and revocations at the times they happened. Figures follow the ledger by " +
                            "the report projection's lag (about a second).";
            s.Responses[200] = "The liability.";
            s.ResponseExamples[200] = new LiabilityReportView(DateTimeOffset.Parse("2026-11-24T09:30:00Z"), [new MoneyView(184_500, "eur")],
                [new ExpiringRewards(7, 12, [new MoneyView(9_000, "eur")]), new ExpiringRewards(30, 41, [new MoneyView(36_500, "eur")])],
                [
                    new LiabilityDay(new DateOnly(2026, 11, 23), [new MoneyView(181_000, "eur")]),
                    new LiabilityDay(new DateOnly(2026, 11, 24), [new MoneyView(184_500, "eur")]),
                ]);
            s.Responses[422] = "A figure sums past the largest a report can show (report_sum_out_of_range).";
        });
    }

    public override async Task HandleAsync(GetReportOverviewRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var asOf = await clock.NowAsync(tenantId, ct);
        var (from, to) = GetReportOverviewValidator.Days(request, asOf);
        var (outstanding, daily) = await LiabilityQuery.DailyAsync(store, tenantId, from, to, ct);
        var expiring = await LiabilityQuery.ExpiringAsync(store, tenantId, asOf, [7, 30], ct);
        await Send.OkAsync(new LiabilityReportView(asOf, outstanding, expiring, daily), ct);
    }
}
