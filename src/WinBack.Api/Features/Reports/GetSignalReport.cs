using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Features.Rules;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Reports;
using WinBack.Domain.Rules;
using WinBack.Api.Infrastructure.OpenApi;

namespace WinBack.Api.Features.Reports;

public sealed class GetSignalReportRequest
{
    /// <summary>Only episodes that fired on or after this UTC day (YYYY-MM-DD).</summary>
    [QueryParam]
    public DateOnly? From { get; set; }
    /// <summary>Only episodes that fired on or before this UTC day (YYYY-MM-DD).</summary>
    [QueryParam]
    public DateOnly? To { get; set; }
    /// <summary>One row per trigger (default: usage_decline, contact_burst, payment_failed) or per variant (every signal rule's arm of that name; the holdout is a row and the comparison).</summary>
    [QueryParam]
    public string? GroupBy { get; set; }
}

public sealed class GetSignalReportValidator : Validator<GetSignalReportRequest>
{
    public GetSignalReportValidator()
    {
        this.GroupBy(x => x.GroupBy, GetSignalReportEndpoint.Groupings.Keys);
        this.Period(x => x.From, x => x.To);
    }
}

/// <summary>One group of signal episodes. Exactly one of trigger and variant names it.</summary>
/// <param name="Fired">Episodes opened (each firing: a decline, a burst, a failed payment), treated plus held out.</param>
/// <param name="Outcomes">Episodes followed by a purchase within the rule's attributionDays after the firing (for payment_failed: recovered).</param>
/// <param name="OutcomeRate">Treated episodes with the outcome / treated episodes; null when there are none.</param>
/// <param name="HoldoutRate">The same for held-out episodes (with groupBy=variant, the holdout's across the report); null when there are none.</param>
/// <param name="Uplift">outcomeRate − holdoutRate with its 95% interval (Newcombe's hybrid score method); null without both groups.</param>
public sealed record SignalReportRow(
    string? Trigger, string? Variant, long Fired, long Treated, long Holdout, long Rewarded, WithheldCounts Withheld, long Outcomes,
    double? OutcomeRate, double? HoldoutRate, UpliftView? Uplift)
{
    public static SignalReportRow Of(ReactivationRow row) => new(row.Trigger, row.Variant, row.Lapsed, row.Treated, row.Holdout, row.Rewarded,
        row.Withheld, row.Reactivated, row.ReactivationRate, row.HoldoutRate, row.Uplift);
}

/// <param name="AsOf">The time the report stands at (a test tenant's clock). The figures lag the writes by the workers' projection.</param>
public sealed record SignalReportView(DateTimeOffset AsOf,
    [property: WireValues("SignalReportGroupBy", typeof(GetSignalReportEndpoint), nameof(GetSignalReportEndpoint.Groupings))] string GroupBy, IReadOnlyList<SignalReportRow> Rows);

public sealed class GetSignalReportEndpoint(IDocumentStore store, BackgroundHealth health, TenantClock clock) : Endpoint<GetSignalReportRequest, SignalReportView>
{
    public static readonly IReadOnlyDictionary<string, ReportGrouping> Groupings = new Dictionary<string, ReportGrouping>
    {
        ["trigger"] = ReportGrouping.Trigger, ["variant"] = ReportGrouping.Variant,
    };

    private static readonly SignalReportView Example = new(DateTimeOffset.Parse("2026-11-24T09:30:00Z"), "trigger",
        [SignalReportRow.Of(ReactivationRow.Example(ReportGrouping.Trigger, nameof(TriggerType.UsageDecline)))]);

    // The domain says which triggers are churn signals; the query names them.
    private static readonly TriggerType[] SignalTriggers = Enum.GetValues<TriggerType>().Where(Signals.IsChurnSignal).ToArray();

    public override void Configure()
    {
        Get("/reports/signals");
        Roles(ApiScopes.Admin);
        Tags("Reports");
        Options(b => b.WithMetadata(new AlternateResponseBody("text/csv", Csv(Example))));
        Summary(s =>
        {
            s.Summary = "Churn signal report";
            s.Description =
                "Do the churn signal rules (usage_decline, contact_burst, payment_failed) work? One row per trigger or per variant: " +
                "fired (episodes opened, treated plus held out), rewarded, withheld by reason, and the outcome (a purchase within the " +
                "rule's attributionDays after the firing; for payment_failed the payment that recovers it) of treated episodes " +
                "against the holdout's, with the uplift and its 95% interval (Newcombe's hybrid score method), as in the reactivation " +
                "report, whose rows these are restricted to the signal rules. With groupBy=variant each arm is compared with the " +
                "holdout's row. from and to are UTC days of the firing. Send Accept: text/csv for the same rows as CSV.";
            s.Responses[200] = "The report (JSON, or CSV with Accept: text/csv).";
            s.ResponseExamples[200] = Example;
            s.Responses[422] = "A figure sums past the largest a report can show (report_sum_out_of_range): narrow it with from and to.";
        });
    }

    public override async Task HandleAsync(GetSignalReportRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var asOf = await clock.NowAsync(tenantId, ct);
        var groupBy = request.GroupBy ?? "trigger";
        var grouping = Groupings[groupBy];
        await using var session = store.QuerySession(tenantId);
        var signalRules = await session.Query<RuleSummary>().Where(r => SignalTriggers.Contains(r.State.Definition.Trigger.Type))
            .Select(r => r.Id).ToListAsync(ct);
        var groups = signalRules.Count == 0 ? []
            : await ReactivationQuery.RunAsync(store, health, tenantId, new ReportFilter(null, request.From, request.To, signalRules.ToList()), grouping, asOf, ct);
        var rows = ReactivationRow.AllOf(grouping, groups).Select(SignalReportRow.Of).ToList();
        var report = new SignalReportView(asOf, groupBy, rows);

        if (ReactivationCsv.Wanted(HttpContext.Request))
            await Send.StringAsync(Csv(report), contentType: "text/csv; charset=utf-8", cancellation: ct);
        else
            await Send.OkAsync(report, ct);
    }

    public static string Csv(SignalReportView report) => ReactivationCsv.Lines<SignalReportRow>(
    [
        (report.GroupBy, r => r.Trigger ?? r.Variant), ("fired", r => r.Fired), ("treated", r => r.Treated), ("holdout", r => r.Holdout),
        ("rewarded", r => r.Rewarded), ("withheldHoldout", r => r.Withheld.Holdout), ("withheldBudget", r => r.Withheld.Budget),
        ("withheldCooldown", r => r.Withheld.Cooldown), ("withheldPerCustomerCap", r => r.Withheld.PerCustomerCap),
        ("withheldIneligible", r => r.Withheld.Ineligible), ("outcomes", r => r.Outcomes), ("outcomeRate", r => r.OutcomeRate),
        ("holdoutRate", r => r.HoldoutRate), ("uplift", r => r.Uplift?.Value), ("upliftCiLow", r => r.Uplift?.CiLow), ("upliftCiHigh", r => r.Uplift?.CiHigh),
    ], report.Rows);
}
