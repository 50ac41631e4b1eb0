using Marten;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Customers;
using static WinBack.Api.Features.Stripe.StripeTables;
using WinBack.Api.Infrastructure.OpenApi;

namespace WinBack.Api.Features.Stripe;

/// <summary>Where a reward stands in the customer's Stripe account.</summary>
/// <param name="Status">pending (queued or being retried), synced (every action reached Stripe) or failed (see lastError).</param>
/// <param name="Attempts">Calls made so far, over all of the reward's actions.</param>
/// <param name="CreditTransactionId">The customer balance transaction that credited it (account_credit).</param>
/// <param name="ReversalTransactionId">The balance transaction that took the unused credit back (after expiry or revoke).</param>
/// <param name="PromotionCode">The code the customer enters at checkout (percent_discount), restricted to them.</param>
[Published]
public sealed record StripeSyncView([property: WireValues("StripeSyncStatus", typeof(StripeSyncView), nameof(StripeSyncView.Statuses))] string Status, int Attempts, string? LastError, string? CreditTransactionId, string? ReversalTransactionId,
    string? PromotionCode)
{
    public static readonly IReadOnlyList<string> Statuses = ["pending", "synced", "failed"];
    public static readonly StripeSyncView Example = new("synced", 1, null, "cbtxn_1Pgc75B7WZ01zgkWgM0DfYYl", null, null);

    private sealed record Row(string RewardId, string Action, string Status, int Attempts, string? LastError);

    /// <summary>The sync state of each of these rewards that has one (rewards of customers without Stripe ids have none).</summary>
    public static async Task<IReadOnlyDictionary<string, StripeSyncView>> ForAsync(IDocumentStore store, string tenantId,
        IReadOnlyList<RewardState> rewards, CancellationToken ct)
    {
        if (rewards.Count == 0)
            return new Dictionary<string, StripeSyncView>();
        var rows = new List<Row>();
        await using (var connection = await Sql.OpenForTenantAsync(store, tenantId, ct))
        await using (var command = Sql.Command(connection,
                         $"select reward_id, action, status, attempts, last_error from {Sync} where tenant_id = @tenant and reward_id = any(@rewards) order by n",
                         ("tenant", tenantId), ("rewards", rewards.Select(r => r.Id).ToArray())))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                rows.Add(new Row(reader.Get<string>("reward_id"), reader.Get<string>("action"), reader.Get<string>("status"), reader.Get<int>("attempts"),
                    reader.StringOrNull("last_error")));
        return rows.GroupBy(r => r.RewardId).ToDictionary(g => g.Key, g =>
        {
            var synced = rewards.First(r => r.Id == g.Key).StripeSyncs ?? [];
            // The sender records a call in the customer's stream first and closes its row after; the reward was read before the
            // rows, so a row closed since then is shown as pending until the stream has it (never "synced" without its code).
            bool Recorded(Row r) => synced.Any(s => string.Equals(s.Action.ToString(), r.Action, StringComparison.OrdinalIgnoreCase));
            var status = g.Any(r => r.Status == "failed") ? "failed"
                : g.Any(r => r.Status == "pending" || r.Status == "succeeded" && !Recorded(r)) ? "pending" : "synced";
            return new StripeSyncView(status, g.Sum(r => r.Attempts), g.LastOrDefault(r => r.LastError is not null)?.LastError,
                synced.FirstOrDefault(s => s.Action == StripeSyncAction.Credit)?.StripeObjectId,
                synced.FirstOrDefault(s => s.Action == StripeSyncAction.Reversal)?.StripeObjectId,
                synced.FirstOrDefault(s => s.Action == StripeSyncAction.Discount)?.PromotionCode);
        });
    }
}
