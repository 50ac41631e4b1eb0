using FastEndpoints;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Risk;

namespace WinBack.Api.Features.Risk;

public sealed class ListRiskModelHistoryEndpoint(RiskModels models) : EndpointWithoutRequest<Page<RiskModelHistoryEntry>>
{
    private const int Newest = 100;

    public override void Configure()
    {
        Get("/risk-model/history");
        Roles(ApiScopes.Admin);
        Tags("Risk model");
        Summary(s =>
        {
            s.Summary = "List the model's fits";
            s.Description = $"Every fit of your tenant's purchase model, newest first (the newest {Newest}; hasMore says whether older " +
                            "ones exist): its outcome, when it ran on your tenant's clock, the customers it looked at, and the " +
                            "parameters it found or why it failed.";
            s.Responses[200] = "The fits.";
            s.ResponseExamples[200] = new Page<RiskModelHistoryEntry>(
            [
                new(RiskModelStatus.Fitted, DateTimeOffset.Parse("2026-11-24T09:30:02Z"), 23_570, 9_310,
                    RiskModelView.Example.Parameters, -95_824.3, 412, null),
                new(RiskModelStatus.InsufficientData, DateTimeOffset.Parse("2026-11-17T09:30:00Z"), 480, 95, null, null, null, null),
            ], HasMore: false);
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var history = await models.HistoryAsync(HttpContext.Caller().RequireTenant(), ct);
        await Send.OkAsync(new Page<RiskModelHistoryEntry>(history.Reverse().Take(Newest).Select(RiskModelHistoryEntry.Of).ToList(),
            history.Count > Newest), ct);
    }
}
