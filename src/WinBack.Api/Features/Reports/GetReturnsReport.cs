using System.Globalization;
using FastEndpoints;
using FluentValidation;
using FluentValidation.Results;
using Marten;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Reports;

public sealed class GetReturnsReportRequest
{
    /// <summary>First lapse month (YYYY-MM, UTC). Default: 11 months before 'to'. At most 36 months in all.</summary>
    /// <example>2026-01</example>
    [QueryParam]
    public string? From { get; set; }
    /// <summary>Last lapse month (YYYY-MM, UTC). Default: the current month (the tenant's clock).</summary>
    /// <example>2026-12</example>
    [QueryParam]
    public string? To { get; set; }
}

public sealed class GetReturnsReportValidator : Validator<GetReturnsReportRequest>
{
    public const int MaxMonths = 36;
    private static readonly SchemaFacts MonthFormat = new(Pattern: "^[0-9]{4}-(0[1-9]|1[0-2])$", Description: "A month from 1970-01 to 2099-12.");

    public GetReturnsReportValidator()
    {
        RuleFor(x => x.From).Must(m => Month(m) is not null, MonthFormat).When(x => x.From is not null)
            .WithMessage("'from' must be a month YYYY-MM from 1970-01 to 2099-12.");
        RuleFor(x => x.To).Must(m => Month(m) is not null, MonthFormat).When(x => x.To is not null)
            .WithMessage("'to' must be a month YYYY-MM from 1970-01 to 2099-12.");
    }

    /// <summary>The first day of the month the text names, or null when it names none in range.</summary>
    public static DateOnly? Month(string? text) =>
        text is { Length: 7 } && DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                              && DateRange.Contains(day) && day.Year < 2100
            ? day
            : null;

    /// <summary>The months of the report: 'to' defaults to the tenant's month, 'from' to 11 before it; a span out of bounds is a 400.</summary>
    public static (DateOnly From, DateOnly To) Months(GetReturnsReportRequest request, DateTimeOffset asOf)
    {
        var to = Month(request.To) ?? new DateOnly(asOf.UtcDateTime.Year, asOf.UtcDateTime.Month, 1);
        var from = Month(request.From) ?? to.AddMonths(-11);
        var months = (to.Year - from.Year) * 12 + to.Month - from.Month + 1;
        if (months is < 1 or > MaxMonths)
            throw new ApiException(ProblemMapping.FromValidation([new ValidationFailure(request.To is not null ? "to" : "from",
                $"'to' ({to:yyyy-MM}) cannot be before 'from' ({from:yyyy-MM}), and the report holds at most {MaxMonths} months.")],
                StatusCodes.Status400BadRequest));
        return (from, to);
    }
}

/// <param name="AsOf">The time the report stands at (a test tenant's clock).</param>
/// <param name="Weeks">How many weekly columns each cohort has.</param>
/// <param name="Cohorts">Every lapse month from 'from' to 'to', oldest first; months without an episode have zeros.</param>
public sealed record ReturnsReportView(DateTimeOffset AsOf, int Weeks, IReadOnlyList<ReturnCohort> Cohorts);

/// <param name="LapseMonth">The UTC month the episodes lapsed in (YYYY-MM).</param>
/// <param name="Lapsed">Episodes that lapsed that month.</param>
/// <param name="ReturnedByWeek">Episodes that returned in week k after their lapse (k from 0; week k is days 7k to 7k+6).</param>
/// <param name="ReturnedLater">Episodes that returned after the last weekly column.</param>
/// <param name="Returned30">Episodes that returned less than 30 days after their lapse.</param>
/// <param name="Returned60">Episodes that returned less than 60 days after their lapse.</param>
/// <param name="Returned90">Episodes that returned less than 90 days after their lapse.</param>
public sealed record ReturnCohort(string LapseMonth, long Lapsed, IReadOnlyList<long> ReturnedByWeek, long ReturnedLater, long Returned30,
    long Returned60, long Returned90);

public sealed class GetReturnsReportEndpoint(IDocumentStore store, BackgroundHealth health, TenantClock clock)
    : Endpoint<GetReturnsReportRequest, ReturnsReportView>
{
    public const int Weeks = 13;

    public override void Configure()
    {
        Get("/reports/returns");
        Roles(ApiScopes.Admin);
        Tags("Reports");
        Summary(s =>
        {
            s.Summary = "Returns by lapse month";
            s.Description = "For a cohort heatmap: the lapse episodes of every rule by the UTC month they lapsed in, all episodes, treated " +
                            "and held out alike, and when their customers came back: a count per week after the lapse (13 weeks), " +
                            "those who came back later, and those back within 30, 60 and 90 days. Every month from 'from' to 'to' " +
                            "is present, with zeros. Groups of episodes parked by the reports (their money cannot be summed) are left out.";
            s.Responses[200] = "The cohorts.";
            s.ResponseExamples[200] = new ReturnsReportView(DateTimeOffset.Parse("2026-11-24T09:30:00Z"), Weeks,
            [
                new ReturnCohort("2026-10", 120, [9, 6, 4, 3, 2, 2, 1, 1, 1, 0, 1, 0, 0], 2, 26, 30, 32),
                new ReturnCohort("2026-11", 84, [7, 4, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 13, 13, 13),
            ]);
        });
    }

    public override async Task HandleAsync(GetReturnsReportRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var asOf = await clock.NowAsync(tenantId, ct);
        var (from, to) = GetReturnsReportValidator.Months(request, asOf);
        await ReportRollups.RefreshAsync(store, health, tenantId, ct);
        var cohorts = await ReturnsQuery.CohortsAsync(store, tenantId, from, to, Weeks, ct);
        await Send.OkAsync(new ReturnsReportView(asOf, Weeks, cohorts), ct);
    }
}
