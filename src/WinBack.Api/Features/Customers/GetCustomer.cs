using FastEndpoints;
using Marten;
using WinBack.Api.Features.Risk;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Customers;

public sealed class GetCustomerRequest
{
    /// <summary>Your own id for the customer.</summary>
    [RouteParam]
    public string CustomerId { get; set; } = "";
}

public sealed class GetCustomerEndpoint(IQuerySession session, CustomerRisks risks) : Endpoint<GetCustomerRequest, CustomerView>
{
    public override void Configure()
    {
        Get("/customers/{customerId}");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Customers");
        Summary(s =>
        {
            s.Summary = "Get a customer";
            s.Description = "Status (active, cancelled, lapsed, won_back), activity summary, lifetime value per currency, churn " +
                            "reason, profile, reward balance per currency, and risk: the BG/NBD score (pAlive, expected purchases in the next " +
                            "90 days) at the tenant's current time, null until the tenant has a fitted model in force.";
            s.Responses[200] = "The customer.";
            s.ResponseExamples[200] = CustomerView.Example;
        });
    }

    public override async Task HandleAsync(GetCustomerRequest request, CancellationToken ct)
    {
        var summary = await CustomerSummaries.LoadAsync(session, request.CustomerId, ct)
                      ?? throw ApiException.NotFound("customer", request.CustomerId);
        await Send.OkAsync(CustomerView.Of(summary, await risks.ScoreAsync(HttpContext.Caller().RequireTenant(), summary.Id, ct)), ct);
    }
}
