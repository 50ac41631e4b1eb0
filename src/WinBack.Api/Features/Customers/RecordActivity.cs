using FastEndpoints;
using FluentValidation;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

public sealed class RecordActivityRequest : ActivityInput
{
    /// <summary>Your own id for the customer; the customer is created on first sight.</summary>
    [RouteParam]
    public string CustomerId { get; set; } = "";
}

public sealed class RecordActivityValidator : Validator<RecordActivityRequest>
{
    public RecordActivityValidator()
    {
        this.CustomerId(x => x.CustomerId);
        Include(new ActivityInputValidator());
    }
}

public sealed class RecordActivityEndpoint(CustomerEventWriter writer, Ids ids, TenantClock clock)
    : Endpoint<RecordActivityRequest, ActivityView>
{
    public override void Configure()
    {
        Post("/customers/{customerId}/activities");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Customers");
        Summary(s =>
        {
            s.Summary = "Record an activity";
            s.Description = "Reports one thing a customer did. The customer is created on first sight. The answer comes " +
                            "after the activity is durably stored. With an externalId, a resend for the same customer has no " +
                            "effect: it answers 200 with the first activity and \"duplicate\": true.";
            s.ExampleRequest = new RecordActivityRequest
            {
                Type = ActivityType.Purchase, OccurredAt = DateTimeOffset.Parse("2026-11-24T09:12:00Z"), Amount = 4990, Currency = "eur",
                Properties = new Dictionary<string, string> { ["orderId"] = "A-1001" }, ExternalId = "order-A-1001",
            };
            s.Responses[201] = "The activity was recorded.";
            s.Responses[200] = "A duplicate of an earlier activity (same externalId); nothing changed.";
            s.ResponseExamples[201] = ActivityView.Example;
            s.ResponseExamples[200] = ActivityView.Example with { Duplicate = true };
        });
    }

    public override async Task HandleAsync(RecordActivityRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var now = await clock.NowAsync(tenantId, ct);
        var written = await writer.WriteAsync(CustomerEventWrite.Of(tenantId, request.Decide(request.CustomerId, ids.New("act"), now)));

        var view = ActivityView.Of(written.Activity, written.Duplicate);
        await Send.ResponseAsync(view, written.Duplicate ? StatusCodes.Status200OK : StatusCodes.Status201Created, ct);
    }
}
