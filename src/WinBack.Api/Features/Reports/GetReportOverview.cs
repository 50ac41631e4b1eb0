using FastEndpoints;
using FluentValidation.Results;
using FluentValidation;
using Marten;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Reports;

public sealed class GetReportOverviewRequest
{
    /// <summary>First UTC day of the chart (YYYY-MM-DD). Default: 89 days before 'to'. The chart holds at most 400 days.</summary>
    [QueryParam]
    public DateOnly? From { get; set; }
    /// <summary>Last UTC day of the chart (YYYY-MM-DD). Default: today (the tenant's clock).</summary>
    [QueryParam]
    public DateOnly? To { get; set; }
}

public sealed class GetReportOverviewValidator : Validator<GetReportOverviewRequest>
{
    public const int MaxDays = 400;

    public GetReportOverviewValidator()
    {
        RuleFor(x => x.From).WithinDateRange();
        RuleFor(x => x.To).WithinDateRange();
    }

    /// <summary>The chart's days: 'to' defaults to the tenant's today, 'from' to 89 days before it; a span out of bounds is a 400.</summary>
    public static (DateOnly From, DateOnly To) Days(GetReportOverviewRequest request, DateTimeOffset asOf)
    {
        var to = request.To ?? DateOnly.FromDateTime(asOf.UtcDateTime);
        var from = request.From ?? to.AddDays(-89);
        if (SpanProblem(request, from, to) is { } span)
            throw new ApiException(ProblemMapping.FromValidation([span], StatusCodes.Status400BadRequest));
        return (from, to);
    }

    /// <summary>The chart's span, once 'to' defaults to the tenant's today; names 'to' when it was given, else 'from'.</summary>
    public static ValidationFailure? SpanProblem(GetReportOverviewRequest request, DateOnly from, DateOnly to) =>
        to >= from && to.DayNumber - from.DayNumber < MaxDays
            ? null
            : new ValidationFailure(request.To is not null ? "to" : "from",
                $"'to' ({to:yyyy-MM-dd}) cannot be before 'from' ({from:yyyy-MM-dd}), and the chart holds at most {MaxDays} days.");
}

/// <param name="AsOf">The time the overview stands at (a test tenant's clock).</param>
/// <param name="Totals">The whole program, all time: the reactivation report's figures in one row.</param>
/// <param name="Daily">Every UTC day from 'from' to 'to': lapsed, rewarded and reactivated episodes, and revenue after return.</param>
/// <param name="Parked">Groups of episodes left out of the totals and the series, because their money cannot be summed; usually none.</param>
public sealed record ReportOverviewView(DateTimeOffset AsOf, ReactivationRow Totals, IReadOnlyList<OverviewDay> Daily, IReadOnlyList<ParkedReportGroup> Parked);

public sealed class GetReportOverviewEndpoint(IDocumentStore store, BackgroundHealth health, TenantClock clock) : Endpoint<GetReportOverviewRequest, ReportOverviewView>
{
    public override void Configure()
    {
        Get("/reports/overview");
        Roles(ApiScopes.Admin);
        Tags("Reports");
        Summary(s =>
        {
            s.Summary = "Program overview";
            s.Description = "For a dashboard: the totals of the whole program (the reactivation report's figures over all rules, " +
                            "all time, in one row, without a group name) and a daily series for a chart: episodes that lapsed each " +
                            "UTC day and how many of them were rewarded, episodes whose customer came back that day, and the revenue " +
                            "after return of those. Every day of the range is present, with zeros. Groups of episodes whose money cannot be " +
                            "summed are left out and listed in parked, as in the reactivation report.";
            s.Responses[200] = "The overview.";
            s.ResponseExamples[200] = new ReportOverviewView(DateTimeOffset.Parse("2026-11-24T09:30:00Z"),
                ReactivationRow.Example(ReportGrouping.All, "all"),
                [
                    new OverviewDay(new DateOnly(2026, 11, 23), 41, 36, 12, [new MoneyView(61_200, "eur")]),
                    new OverviewDay(new DateOnly(2026, 11, 24), 38, 33, 15, [new MoneyView(74_950, "eur")]),
                ], []);
            s.Responses[422] = "A figure sums past the largest a report can show (report_sum_out_of_range).";
        });
    }

    public override async Task HandleAsync(GetReportOverviewRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var asOf = await clock.NowAsync(tenantId, ct);
        var (from, to) = GetReportOverviewValidator.Days(request, asOf);
        var everything = ReportFilter.All;
        var all = (await ReactivationQuery.RunAsync(store, health, tenantId, everything, ReportGrouping.All, asOf, ct))
            .SingleOrDefault();
        var totals = all is null
            ? ReactivationRow.Empty
            : ReactivationRow.Of(ReportGrouping.All, all, all.Counts, all.Money);
        var daily = await OverviewQuery.DailyAsync(store, tenantId, from, to, asOf, ct);
        await Send.OkAsync(new ReportOverviewView(asOf, totals, daily, await ReactivationQuery.ParkedAsync(health, tenantId, everything, ct)), ct);
    }
}
