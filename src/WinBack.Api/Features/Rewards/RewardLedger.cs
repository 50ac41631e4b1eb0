using Marten;
using WinBack.Api.Features.Customers;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Rewards;

/// <summary>A decision about one reward, on its customer's current state, at the tenant's now.</summary>
public delegate IReadOnlyList<ICustomerEvent> RewardDecision(Customer customer, RewardState reward, DateTimeOffset now);

/// <summary>
/// The one path for changes to an existing reward (redeem, reverse, revoke): find the reward's customer stream,
/// then decide through the customer event writer, under the customer's lock, on the state the stream has then.
/// </summary>
public sealed class RewardLedger(IQuerySession session, CustomerEventWriter writer, TenantClock clock)
{
    public async Task<RewardState> FindAsync(string rewardId, CancellationToken ct)
    {
        var record = await session.LoadAsync<RewardRecord>(rewardId, ct) ?? throw ApiException.NotFound("reward", rewardId);
        var customer = await CustomerState.LoadAsync(session, record.CustomerId, ct);
        return customer?.Reward(rewardId) ?? throw ApiException.NotFound("reward", rewardId);
    }

    /// <returns>The reward after the decision, and the events it appended (none when it changed nothing).</returns>
    public async Task<(RewardState Reward, IReadOnlyList<ICustomerEvent> Events)> ChangeAsync(string tenantId, string rewardId,
        RewardDecision decide, CancellationToken ct)
    {
        var record = await session.LoadAsync<RewardRecord>(rewardId, ct) ?? throw ApiException.NotFound("reward", rewardId);
        var now = await clock.NowAsync(tenantId, ct);
        var written = await writer.WriteAsync(new CustomerEventWrite(tenantId, record.CustomerId,
            current => decide(current!, current!.Reward(rewardId)!, now)));
        return (written.Customer!.Reward(rewardId)!, written.Events);
    }
}
