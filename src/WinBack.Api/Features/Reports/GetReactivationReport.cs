using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Reports;
using WinBack.Api.Infrastructure.OpenApi;

namespace WinBack.Api.Features.Reports;

public sealed class GetReactivationReportRequest
{
    /// <summary>Only this rule's episodes.</summary>
    [QueryParam]
    public string? RuleId { get; set; }
    /// <summary>Only episodes that lapsed on or after this UTC day (YYYY-MM-DD).</summary>
    [QueryParam]
    public DateOnly? From { get; set; }
    /// <summary>Only episodes that lapsed on or before this UTC day (YYYY-MM-DD).</summary>
    [QueryParam]
    public DateOnly? To { get; set; }
    /// <summary>One row per rule (default), variant, lapseMonth (UTC, yyyy-MM), churnReason or trigger (the rule's trigger type: a moment type's row is the outcome of its moments, a purchase within attributionDays after the moment; at_risk rows show the customers the purchase model flagged, and how many of them, treated or held out, came back by purchasing).</summary>
    [QueryParam]
    public string? GroupBy { get; set; }
}

public sealed class GetReactivationReportValidator : Validator<GetReactivationReportRequest>
{
    public GetReactivationReportValidator()
    {
        this.GroupBy(x => x.GroupBy, GetReactivationReportEndpoint.Groupings.Keys);
        this.Period(x => x.From, x => x.To);
    }
}

/// <param name="AsOf">The time the report stands at (a test tenant's clock): the 30/60/90-day retention marks are measured against
/// it. The figures are those the workers have projected by the request, a second or so behind the writes.</param>
/// <param name="Parked">Groups of episodes within the filter that the rows leave out, because their money cannot be summed; usually none.</param>
public sealed record ReactivationReportView(DateTimeOffset AsOf,
    [property: WireValues("ReactivationReportGroupBy", typeof(GetReactivationReportEndpoint), nameof(GetReactivationReportEndpoint.Groupings))] string GroupBy, IReadOnlyList<ReactivationRow> Rows, IReadOnlyList<ParkedReportGroup> Parked);

public sealed class GetReactivationReportEndpoint(IDocumentStore store, BackgroundHealth health, TenantClock clock)
    : Endpoint<GetReactivationReportRequest, ReactivationReportView>
{
    public static readonly IReadOnlyDictionary<string, ReportGrouping> Groupings = new Dictionary<string, ReportGrouping>
    {
        ["rule"] = ReportGrouping.Rule, ["variant"] = ReportGrouping.Variant, ["lapseMonth"] = ReportGrouping.LapseMonth,
        ["churnReason"] = ReportGrouping.ChurnReason, ["trigger"] = ReportGrouping.Trigger,
    };

    private static readonly ReactivationReportView Example = new(DateTimeOffset.Parse("2026-11-24T09:30:00Z"), "rule",
        [ReactivationRow.Example(ReportGrouping.Rule, "rule_01jdq3w5x8k2m9v4r7t6y1z0ae")], []);

    public override void Configure()
    {
        Get("/reports/reactivation");
        Roles(ApiScopes.Admin);
        Tags("Reports");
        Options(b => b.WithMetadata(new AlternateResponseBody("text/csv", ReactivationCsv.Of(Example))));
        Summary(s =>
        {
            s.Summary = "Reactivation report";
            s.Description =
                "Did the program work? One row per group of lapse episodes: lapsed, rewarded, withheld by reason, reactivated; " +
                "the reactivation rate of treated episodes against the holdout's, and the uplift (their difference) with a 95% " +
                "confidence interval by Newcombe's hybrid score method (the Wilson score interval of each rate, combined; " +
                "Newcombe 1998, method 10); median days to return; revenue after return (purchases minus refunds from the " +
                "return to the rule's attributionDays after it) in total and per lapsed customer; reward cost issued, redeemed " +
                "and expired, and the outstanding liability; incremental revenue ((treated revenue per treated episode − " +
                "holdout revenue per held-out episode) × treated episodes) and ROI ((incremental revenue − redeemed cost) / " +
                "redeemed cost); and won-back customers not lapsed again 30, 60 and 90 days after their return, counted over " +
                "returns at least that old. With groupBy=variant, each arm's row is compared with the holdout's row. Money is " +
                "per currency in minor units (averages rounded to a minor unit); rates are null, not 0, when their " +
                "denominator is 0. Send Accept: text/csv for the same rows as CSV. The figures lag the writes by the workers' " +
                "projection, usually a second or less; asOf is the time of the request. from and to are UTC days; retention counts returns by UTC day. " +
                "A group of episodes (rule, arm, lapse day, churn reason) whose money sums past 9,223,372,036,854,775,807 minor units " +
                "(only amounts stored before amounts were bounded to 10^12 get there) is left out of the rows and listed in parked, " +
                "with its reason; it is summed again when its episodes change. " +
                "The same report is the outcome report of moment rules (welcome, nth_purchase, lifetime_value_reached, anniversary, " +
                "birthday): each moment reached is an episode (lapsed = reached, on the moment's day), and its outcome, counted as " +
                "reactivated, is a purchase within the rule's attributionDays after the moment, treated against the holdout with the " +
                "same uplift and interval; revenue counts from that purchase. groupBy=trigger puts every trigger type on a row of its own.";
            s.Responses[200] = "The report (JSON, or CSV with Accept: text/csv).";
            s.ResponseExamples[200] = Example;
            s.Responses[422] = "A figure sums past the largest a report can show (report_sum_out_of_range): narrow it with ruleId, from and to.";
        });
    }

    public override async Task HandleAsync(GetReactivationReportRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var asOf = await clock.NowAsync(tenantId, ct);
        var groupBy = request.GroupBy ?? "rule";
        var grouping = Groupings[groupBy];
        var filter = new ReportFilter(request.RuleId, request.From, request.To);
        var groups = await ReactivationQuery.RunAsync(store, health, tenantId, filter, grouping, asOf, ct);
        var rows = ReactivationRow.AllOf(grouping, groups);
        var report = new ReactivationReportView(asOf, groupBy, rows, await ReactivationQuery.ParkedAsync(health, tenantId, filter, ct));

        if (ReactivationCsv.Wanted(HttpContext.Request))
            await Send.StringAsync(ReactivationCsv.Of(report), contentType: "text/csv; charset=utf-8", cancellation: ct);
        else
            await Send.OkAsync(report, ct);
    }
}
