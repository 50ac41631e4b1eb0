using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Features.Risk;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

public sealed class ListCustomersRequest : PageRequest
{
    /// <summary>Only customers with this status.</summary>
    [QueryParam]
    public CustomerStatus? Status { get; set; }
    /// <summary>Only customers whose last activity is before this time (RFC 3339).</summary>
    [QueryParam]
    public DateTimeOffset? LastActivityBefore { get; set; }
    /// <summary>Only customers whose last activity is at or after this time (RFC 3339).</summary>
    [QueryParam]
    public DateTimeOffset? LastActivityAfter { get; set; }
    /// <summary>Attribute filters, as attribute[key]=value; several must all match.</summary>
    [QueryParam]
    public Dictionary<string, string>? Attribute { get; set; }
    /// <summary>
    /// Only customers whose pAlive (BG/NBD, at the tenant's current time) is at most this, in (0, 1]. Customers who have not
    /// bought have no score and are left out. 409 risk_model_missing when the tenant has no fitted model in force.
    /// </summary>
    [QueryParam]
    public double? MaxPAlive { get; set; }
}

public sealed class ListCustomersValidator : Validator<ListCustomersRequest>
{
    public ListCustomersValidator()
    {
        this.AddPagingRules(CustomerIds.IsValid, "a customer id", DocumentedRules.CustomerId);
        RuleFor(x => x.LastActivityBefore).WithinDateRange();
        RuleFor(x => x.LastActivityAfter).WithinDateRange();
        RuleFor(x => x.MaxPAlive).GreaterThan(0).LessThanOrEqualTo(1).When(x => x.MaxPAlive is not null)
            .WithMessage("'maxPAlive' must be greater than 0 and at most 1.");
    }
}

public sealed class ListCustomersEndpoint(IQuerySession session, CustomerRisks risks) : Endpoint<ListCustomersRequest, Page<CustomerView>>
{
    private const string AttributePrefix = "attribute[";

    public override void Configure()
    {
        Get("/customers");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Customers");
        Summary(s =>
        {
            s.Summary = "List customers";
            s.Description = "Filters combine with AND. Customers are ordered by id; page with limit and startingAfter (the last id " +
                            "of the previous page). Example: /v1/customers?status=cancelled&attribute[channel]=web&limit=50. " +
                            "maxPAlive filters on the risk score, computed in SQL at the tenant's current time, so paging stays exact; " +
                            "it answers 409 risk_model_missing while the tenant has no fitted model in force.";
            s.Responses[200] = "A page of customers.";
            s.ResponseExamples[200] = new Page<CustomerView>([CustomerView.Example], HasMore: true);
            s.Responses[409] = "maxPAlive was given, but the tenant has no fitted risk model in force.";
            s.ResponseExamples[409] = CustomerRisks.NoModel;
        });
    }

    public override async Task HandleAsync(ListCustomersRequest request, CancellationToken ct)
    {
        var scorer = await risks.ForTenantAsync(HttpContext.Caller().RequireTenant(), ct);
        // In SQL rather than after loading a page: a filter applied to loaded pages would return short or empty pages.
        var riskCondition = request.MaxPAlive is { } maxPAlive
            ? (scorer ?? throw new ApiException(CustomerRisks.NoModel)).PAliveAtMostSql(maxPAlive)
            : null;
        var page = await CustomerSummaries.PageAsync(session, request.Status, request.LastActivityBefore, request.LastActivityAfter,
            AttributeFilters(), riskCondition, request, ct);
        var scores = scorer is null ? null : await scorer.ScoreAsync(page.Data.Select(c => c.Id).ToList(), ct);
        await Send.OkAsync(new Page<CustomerView>(page.Data.Select(c => CustomerView.Of(c, scores?.GetValueOrDefault(c.Id))).ToList(), page.HasMore), ct);
    }

    // attribute[channel]=web arrives as the query key "attribute[channel]".
    private Dictionary<string, string> AttributeFilters() =>
        HttpContext.Request.Query
            .Where(q => q.Key.StartsWith(AttributePrefix, StringComparison.Ordinal) && q.Key.EndsWith(']'))
            .ToDictionary(q => q.Key[AttributePrefix.Length..^1], q => q.Value.ToString());
}
