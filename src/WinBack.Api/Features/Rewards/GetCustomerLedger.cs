using FastEndpoints;
using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Rewards;

public sealed class GetCustomerLedgerRequest
{
    /// <summary>Your own id for the customer.</summary>
    [RouteParam]
    public string CustomerId { get; set; } = "";
    /// <summary>Only entries up to this time (RFC 3339), and the balance as it was then. Default: everything.</summary>
    [QueryParam]
    public DateTimeOffset? AsOf { get; set; }
}

public sealed class GetCustomerLedgerValidator : Validator<GetCustomerLedgerRequest>
{
    public GetCustomerLedgerValidator() => RuleFor(x => x.AsOf).WithinDateRange();
}

public enum LedgerEntryType { RewardIssued, RewardUnlocked, RewardRedeemed, RedemptionReversed, RewardExpired, RewardRevoked }

/// <summary>One change to a reward.</summary>
/// <param name="Amount">The change to the balance in minor units (negative when credit leaves it); null for rewards without a money value.</param>
/// <param name="Balance">The customer's balance per currency after this entry.</param>
public sealed record LedgerEntryView(DateTimeOffset At, LedgerEntryType Type, string RewardId, long? Amount, string? Currency,
    string? RedemptionId, string? OrderId, string? Reason, IReadOnlyList<MoneyView> Balance);

/// <param name="AsOf">The time the statement stands at: the asOf asked for, or null for now.</param>
/// <param name="Balance">Unused credit per currency of every reward that is not pending, expired or revoked.</param>
public sealed record LedgerView(string CustomerId, DateTimeOffset? AsOf, IReadOnlyList<MoneyView> Balance, IReadOnlyList<LedgerEntryView> Entries);

public sealed class GetCustomerLedgerEndpoint(IQuerySession session) : Endpoint<GetCustomerLedgerRequest, LedgerView>
{
    public override void Configure()
    {
        Get("/customers/{customerId}/ledger");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Rewards");
        Summary(s =>
        {
            s.Summary = "Get a customer's reward ledger";
            s.Description = "Every change to the customer's rewards in the order it was recorded (issued, unlocked on return, " +
                            "redeemed, reversed, expired, revoked), each with the running balance per currency. With asOf, the " +
                            "entries up to that time and the balance then. The balance is derived from these entries and never negative.";
            s.Responses[200] = "The ledger.";
            s.ResponseExamples[200] = Example;
        });
    }

    public override async Task HandleAsync(GetCustomerLedgerRequest request, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(request.CustomerId, token: ct);
        if (events.FirstOrDefault()?.Data is not ICustomerEvent)
            throw ApiException.NotFound("customer", request.CustomerId);

        var balance = new Dictionary<string, long>();
        var entries = new List<LedgerEntryView>();
        Customer? state = null;
        foreach (var e in events)
        {
            var before = state;
            state = Customer.Evolve(state, e.Data);
            foreach (var entry in Entries(before, state, e.Data))
            {
                if (request.AsOf is { } asOf && entry.At > asOf)
                    continue;
                if (entry is { Amount: { } amount, Currency: { } currency })
                    balance[currency] = balance.GetValueOrDefault(currency) + amount;
                entries.Add(entry with { Balance = MoneyView.ListOf(balance) });
            }
        }
        await Send.OkAsync(new LedgerView(request.CustomerId, request.AsOf, MoneyView.ListOf(balance), entries), ct);
    }

    // The balance change of an entry is read off the state before and after it, so the ledger can never disagree
    // with the balance the customer summary shows.
    private static IEnumerable<LedgerEntryView> Entries(Customer? before, Customer after, object e)
    {
        LedgerEntryView Entry(LedgerEntryType type, string rewardId, DateTimeOffset at, string? redemptionId = null, string? orderId = null,
            string? reason = null)
        {
            var reward = after.Reward(rewardId)!;
            long? change = reward.IsCredit ? reward.InBalance - (before?.Reward(rewardId)?.InBalance ?? 0) : null;
            return new LedgerEntryView(at, type, rewardId, change, reward.IsCredit ? reward.Issued.Currency : null, redemptionId, orderId, reason, []);
        }

        switch (e)
        {
            case RewardIssued i:
                yield return Entry(LedgerEntryType.RewardIssued, i.RewardId, i.IssuedAt);
                break;
            case CustomerReactivated r:
                // A return recorded late can predate the sweep tick that issued the reward; it unlocks no earlier than the issue.
                foreach (var unlocked in after.Rewards.Where(x => before?.Reward(x.Id)?.Status == RewardStatus.Pending && x.Status != RewardStatus.Pending))
                    yield return Entry(LedgerEntryType.RewardUnlocked, unlocked.Id,
                        r.ReactivatedAt > unlocked.Issued.IssuedAt ? r.ReactivatedAt : unlocked.Issued.IssuedAt);
                break;
            case RewardRedeemed d:
                yield return Entry(LedgerEntryType.RewardRedeemed, d.RewardId, d.RedeemedAt, d.RedemptionId, d.OrderId);
                break;
            case RewardRedemptionReversed v:
                yield return Entry(LedgerEntryType.RedemptionReversed, v.RewardId, v.ReversedAt, v.RedemptionId,
                    after.Reward(v.RewardId)!.Redemptions.Single(x => x.Id == v.RedemptionId).OrderId);
                break;
            case RewardExpired x:
                yield return Entry(LedgerEntryType.RewardExpired, x.RewardId, x.ExpiredAt);
                break;
            case RewardRevoked k:
                yield return Entry(LedgerEntryType.RewardRevoked, k.RewardId, k.RevokedAt, reason: k.Reason);
                break;
        }
    }


    private static readonly LedgerView Example = new("cus_4711", null, [new MoneyView(700, "eur")],
    [
        new LedgerEntryView(DateTimeOffset.Parse("2026-11-24T09:05:00Z"), LedgerEntryType.RewardIssued, "rwd_01jdq3w5x8k2m9v4r7t6y1z0ag",
            1000, "eur", null, null, null, [new MoneyView(1000, "eur")]),
        new LedgerEntryView(DateTimeOffset.Parse("2026-11-30T18:20:00Z"), LedgerEntryType.RewardRedeemed, "rwd_01jdq3w5x8k2m9v4r7t6y1z0ag",
            -300, "eur", "red_01jdq3w5x8k2m9v4r7t6y1z0ah", "A-1002", null, [new MoneyView(700, "eur")]),
    ]);
}
