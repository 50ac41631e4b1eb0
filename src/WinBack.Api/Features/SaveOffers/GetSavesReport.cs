using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Features.Reports;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.OpenApi;

namespace WinBack.Api.Features.SaveOffers;

public sealed class GetSavesReportRequest
{
    /// <summary>One row per stated reason (reason, default), or per offer (offer: each cancellation_intent rule's arm, against that rule's holdout).</summary>
    [QueryParam]
    public string? GroupBy { get; set; }
}

public sealed class GetSavesReportValidator : Validator<GetSavesReportRequest>
{
    public GetSavesReportValidator() => this.GroupBy(x => x.GroupBy, SavesReport.Groupings);
}

public sealed class GetSavesReportEndpoint(IDocumentStore store, TenantClock clock) : Endpoint<GetSavesReportRequest, SavesReportView>
{
    public override void Configure()
    {
        Get("/reports/saves");
        Roles(ApiScopes.Admin);
        Tags("Reports");
        Options(b => b.WithMetadata(new AlternateResponseBody("text/csv", SavesReport.Csv(SavesReportView.Example))));
        Summary(s =>
        {
            s.Summary = "Saves report";
            s.Description = "Did the save offers keep customers? Per stated reason, or per offer: cancel attempts shown an offer, accepted, declined, " +
                            "withheld by a guard rail, and validated as saves (not cancelled 30 days after the accept, or after the pause end if " +
                            "later, and paid again after a pause or trial extension); the validation rate against the holdout's (holdout customers " +
                            "shown no offer and not cancelled 30 days later), the uplift with its 95% interval (Newcombe's hybrid score), and the " +
                            "revenue kept (purchases less refunds from the cancel attempt to validation), per currency in minor units. Offers less " +
                            "than 30 days old are not validated yet. Send Accept: text/csv for the same rows as CSV.";
            s.Responses[200] = "The report (JSON, or CSV with Accept: text/csv).";
            s.ResponseExamples[200] = SavesReportView.Example;
        });
    }

    public override async Task HandleAsync(GetSavesReportRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var groupBy = request.GroupBy ?? SavesReport.ByReason;
        IReadOnlyList<SaveOfferRecord> records;
        await using (var session = store.QuerySession(tenantId))
            records = await session.Query<SaveOfferRecord>().ToListAsync(ct);
        var report = new SavesReportView(await clock.NowAsync(tenantId, ct), groupBy, SavesReport.Rows(records, groupBy));
        if (ReactivationCsv.Wanted(HttpContext.Request))
            await Send.StringAsync(SavesReport.Csv(report), contentType: "text/csv; charset=utf-8", cancellation: ct);
        else
            await Send.OkAsync(report, ct);
    }
}
