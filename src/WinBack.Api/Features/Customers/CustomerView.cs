using WinBack.Api.Features.Risk;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

/// <summary>A customer as WinBack sees them.</summary>
/// <param name="Status">active, cancelled, lapsed (in an open lapse episode) or won_back (came back after a lapse).</param>
/// <param name="Balance">Unused reward credit per currency, derived from the reward ledger; pending (on_return) credit is not in it.</param>
/// <param name="Birthday">The profile's birthday, MM-DD or YYYY-MM-DD, if given; birthday rules read it.</param>
/// <param name="Risk">The BG/NBD score at the tenant's current time; null when the tenant has no fitted model in force or the customer has not bought yet.</param>
public sealed record CustomerView(
    string Id,
    CustomerStatus Status,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset LastActivityAt,
    DateTimeOffset? LastPurchaseAt,
    int OrderCount,
    IReadOnlyList<MoneyView> LifetimeValue,
    ChurnReason? ChurnReason,
    IReadOnlyDictionary<string, string> Attributes,
    string? Email,
    string? StripeCustomerId,
    IReadOnlyList<MoneyView> Balance,
    CustomerRiskView? Risk,
    string? Birthday = null)
{
    public static CustomerView Of(CustomerSummary summary, CustomerRiskView? risk)
    {
        var c = summary.State;
        return new(c.Id, c.Status, c.FirstSeenAt, c.LastActivityAt, c.LastPurchaseAt, c.OrderCount, MoneyView.ListOf(c.LifetimeValue),
            c.ChurnReason, c.Attributes, c.Email, c.StripeCustomerId, MoneyView.ListOf(summary.Balance ?? c.Balance), risk, c.Birthday);
    }

    public static readonly CustomerView Example = new("cus_4711", CustomerStatus.Active, DateTimeOffset.Parse("2025-03-02T10:00:00Z"),
        DateTimeOffset.Parse("2026-11-24T09:12:00Z"), DateTimeOffset.Parse("2026-11-24T09:12:00Z"), 12,
        [new MoneyView(59880, "eur")], null, new Dictionary<string, string> { ["channel"] = "web", ["segment"] = "vip" },
        "ada@example.com", "cus_Q1w2E3r4T5y6U7", [new MoneyView(700, "eur")], CustomerRiskView.Example, "1990-07-14");
}
