using WinBack.Api.Features.Stripe;
using FastEndpoints;
using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Rewards;

public sealed class ListCustomerRewardsRequest : PageRequest
{
    /// <summary>Your own id for the customer.</summary>
    [RouteParam]
    public string CustomerId { get; set; } = "";
    /// <summary>Only rewards with this status.</summary>
    [QueryParam]
    public RewardStatus? Status { get; set; }
}

public sealed class ListCustomerRewardsValidator : Validator<ListCustomerRewardsRequest>
{
    public ListCustomerRewardsValidator() => this.AddPagingRules("rwd");
}

public sealed class ListCustomerRewardsEndpoint(IQuerySession session, IDocumentStore store) : Endpoint<ListCustomerRewardsRequest, Page<RewardView>>
{
    public override void Configure()
    {
        Get("/customers/{customerId}/rewards");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Rewards");
        Summary(s =>
        {
            s.Summary = "List a customer's rewards";
            s.Description = "Every reward the customer was issued, newest first, with its status (pending, available, redeemed, " +
                            "expired, revoked) and remaining value. Page with limit and startingAfter.";
            s.Responses[200] = "A page of rewards.";
            s.ResponseExamples[200] = new Page<RewardView>([RewardView.Example], HasMore: false);
        });
    }

    public override async Task HandleAsync(ListCustomerRewardsRequest request, CancellationToken ct)
    {
        var customer = await CustomerState.LoadAsync(session, request.CustomerId, ct)
                       ?? throw ApiException.NotFound("customer", request.CustomerId);
        // A customer's rewards live on their one stream (and summary), so they are paged in memory; ids are time-ordered.
        var rewards = customer.Rewards
            .Where(r => request.Status is null || r.Status == request.Status)
            .OrderByDescending(r => r.Id, StringComparer.Ordinal)
            .SkipWhile(r => request.StartingAfter is { } after && string.CompareOrdinal(r.Id, after) >= 0)
            .Select(RewardView.Of);
        var page = Paging.PageOf(rewards, request);
        var sync = await StripeSyncView.ForAsync(store, HttpContext.Caller().RequireTenant(),
            page.Data.Select(r => customer.Reward(r.Id)!).ToList(), ct);
        await Send.OkAsync(page with { Data = page.Data.Select(r => r with { StripeSync = sync.GetValueOrDefault(r.Id) }).ToList() }, ct);
    }
}
