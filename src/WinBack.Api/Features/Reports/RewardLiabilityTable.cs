using JasperFx.Events;
using Marten;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Reports;

/// <summary>
/// The reward ledger as a list of changes for the liability report: one row per reward issued, redemption, reversal, expiry,
/// revocation, and per return that unlocks on_return rewards, each at its own time (the tenant's clock). A reward's unused
/// credit at a moment is the sum of its credit deltas up to then. Written by the report projection (async) with insert-only,
/// keyed rows, so a replay or a tenant's copy writes nothing twice; emptied and replayed by its rebuild.
/// </summary>
[Published]
public static class RewardLiabilityTable
{
    public const string TableName = MartenSetup.SchemaName + ".reward_liability_change";

    // A row's kind: the issue row carries the reward's expiry and grant; the others refer to it by reward_id.
    private const string Issued = "issued", Redeemed = "redeemed", Reversed = "reversed", Closed = "closed", Returned = "returned";

    public static void Configure(StoreOptions options)
    {
        var table = new Table(TableName);
        table.AddColumn<string>("tenant_id").AsPrimaryKey();
        // The reward id for its issue, the redemption id for a redemption, "rev:", "exp:" or "rvk:" before them otherwise.
        table.AddColumn<string>("change_id").AsPrimaryKey();
        table.AddColumn<string>("kind").NotNull();
        table.AddColumn<string>("reward_id");
        table.AddColumn<string>("episode_id");
        table.AddColumn<DateTimeOffset>("at").NotNull();
        // Account credit only: the currency and the change of unused credit in minor units (0 for other rewards).
        table.AddColumn<string>("currency");
        table.AddColumn<long>("credit").NotNull().DefaultValue(0);
        // Every reward type: the change of uses left (a credit counts as one use while credit is left).
        table.AddColumn<long>("uses").NotNull().DefaultValue(0);
        table.AddColumn<DateTimeOffset>("expires_at");
        // An on_return reward stays pending until its episode's return row exists.
        table.AddColumn<bool>("pending").NotNull().DefaultValueByExpression("false");
        table.Indexes.Add(new IndexDefinition("ix_reward_liability_at") { Columns = ["tenant_id", "at"] });
        table.Indexes.Add(new IndexDefinition("ix_reward_liability_expiry") { Columns = ["tenant_id", "expires_at"], Predicate = "kind = 'issued'" });
        table.Indexes.Add(new IndexDefinition("ix_reward_liability_reward") { Columns = ["tenant_id", "reward_id"] });
        options.Storage.ExtendedSchemaObjects.Add(table);
    }

    /// <summary>Queues the rows of the events that change the ledger into the projection's transaction, in event order.</summary>
    public static void Write(IDocumentOperations operations, string tenantId, IEnumerable<IEvent> events)
    {
        foreach (var e in events)
            switch (e.Data)
            {
                case RewardIssued i when i.Type is not (RewardType.Pause or RewardType.TrialExtension):
                    var credit = i.Type == RewardType.AccountCredit ? i.Amount ?? 0 : 0;
                    var uses = i.Type switch { RewardType.AccountCredit => 0, RewardType.PercentDiscount => i.Uses ?? 1, _ => 1 };
                    Insert(operations, tenantId, i.RewardId, Issued, i.RewardId, i.EpisodeId, i.IssuedAt, credit > 0 ? i.Currency : null, credit, uses,
                        i.ExpiresAt, i.Grant == RewardGrant.OnReturn && i.EpisodeId is not null);
                    break;
                case RewardRedeemed r:
                    Insert(operations, tenantId, r.RedemptionId, Redeemed, r.RewardId, null, r.RedeemedAt, r.Amount is null ? null : r.Currency,
                        -(r.Amount ?? 0), r.Amount is null ? -1 : 0);
                    break;
                case RewardRedemptionReversed v:
                    // The value goes back as the redemption took it.
                    operations.QueueSqlCommand(
                        $"""
                         insert into {TableName} (tenant_id, change_id, kind, reward_id, at, currency, credit, uses)
                         select tenant_id, ?, '{Reversed}', reward_id, ?, currency, -credit, -uses from {TableName}
                         where tenant_id = ? and change_id = ? on conflict do nothing
                         """, "rev:" + v.RedemptionId, v.ReversedAt, tenantId, v.RedemptionId);
                    break;
                case RewardExpired x:
                    // A reward expires again when a reversal returns value to it after its expiry: the instant and amount tell them apart.
                    Close(operations, tenantId, $"exp:{x.RewardId}:{x.ExpiredAt.UtcTicks}:{x.UnusedAmount}", x.RewardId, x.ExpiredAt, x.UnusedAmount, x.Currency);
                    break;
                case RewardRevoked k:
                    Close(operations, tenantId, "rvk:" + k.RewardId, k.RewardId, k.RevokedAt, k.UnusedAmount, k.Currency);
                    break;
                case CustomerReactivated back:
                    Insert(operations, tenantId, "ret:" + back.EpisodeId, Returned, null, back.EpisodeId, back.ReactivatedAt, null, 0, 0);
                    break;
            }
    }

    // Expiry and revocation take the unused credit out, and close the reward (no use is left after them).
    private static void Close(IDocumentOperations operations, string tenantId, string changeId, string rewardId, DateTimeOffset at, long? unused,
        string? currency) =>
        Insert(operations, tenantId, changeId, Closed, rewardId, null, at, unused is > 0 ? currency : null, -(unused ?? 0), 0);

    private static void Insert(IDocumentOperations operations, string tenantId, string changeId, string kind, string? rewardId, string? episodeId,
        DateTimeOffset at, string? currency, long credit, long uses, DateTimeOffset? expiresAt = null, bool pending = false) =>
        operations.QueueSqlCommand(
            $"""
             insert into {TableName} (tenant_id, change_id, kind, reward_id, episode_id, at, currency, credit, uses, expires_at, pending)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing
             """,
            tenantId, changeId, kind, (object?)rewardId ?? DBNull.Value, (object?)episodeId ?? DBNull.Value, at, (object?)currency ?? DBNull.Value,
            credit, uses, (object?)expiresAt ?? DBNull.Value, pending);

    /// <summary>The kinds as SQL literals, for the report's queries.</summary>
    public const string IssuedKind = Issued, ClosedKind = Closed, ReturnedKind = Returned;
}
