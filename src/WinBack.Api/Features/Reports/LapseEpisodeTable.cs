using Marten;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Reports;

/// <summary>
/// The <c>LapseEpisode</c> read model: one narrow row per episode in a plain table (and one per episode and currency
/// for revenue after return). Rows are written by the report projection (<see cref="ReportProjection"/>, async) from
/// <see cref="EpisodeFacts"/>, and mark their report group dirty (<see cref="ReportRollups"/>), from which reports are summed.
/// </summary>
[Published]
public static class LapseEpisodeTable
{
    public const string Episodes = MartenSetup.SchemaName + ".lapse_episode";
    public const string Revenue = MartenSetup.SchemaName + ".lapse_episode_revenue";
    /// <summary>The tables the report projection owns here: emptied when it is rebuilt.</summary>
    public static readonly string[] Tables = [Episodes, Revenue];

    public static void Configure(StoreOptions options)
    {
        var episodes = new Table(Episodes);
        episodes.AddColumn<string>("tenant_id").AsPrimaryKey();
        episodes.AddColumn<string>("episode_id").AsPrimaryKey();
        episodes.AddColumn<string>("customer_id").NotNull();
        episodes.AddColumn<string>("rule_id").NotNull();
        episodes.AddColumn<int>("rule_version").NotNull();
        episodes.AddColumn<string>("variant").NotNull();
        episodes.AddColumn<DateTimeOffset>("lapsed_at").NotNull();
        episodes.AddColumn<DateOnly>("lapse_date").NotNull();
        // "none" when the customer had no churn reason, so that it can be part of a report group's key.
        episodes.AddColumn<string>("churn_reason").NotNull();
        // The customer's attributes at lapse time (acquisition channel, segment tags), for reports to come.
        episodes.AddColumn("attributes", "jsonb");
        episodes.AddColumn<string>("withheld");
        episodes.AddColumn<string>("reward_id");
        episodes.AddColumn<string>("reward_currency");
        episodes.AddColumn<long>("reward_issued").NotNull().DefaultValue(0);
        episodes.AddColumn<long>("reward_redeemed").NotNull().DefaultValue(0);
        episodes.AddColumn<long>("reward_expired").NotNull().DefaultValue(0);
        episodes.AddColumn<long>("reward_outstanding").NotNull().DefaultValue(0);
        episodes.AddColumn<DateTimeOffset>("returned_at");
        episodes.AddColumn<double>("days_to_return");
        episodes.AddColumn<int>("orders_after_return").NotNull().DefaultValue(0);
        episodes.AddColumn<DateTimeOffset>("relapsed_at");
        // A report group's key: the rollup refresh reads a group's episodes through it.
        episodes.Indexes.Add(new IndexDefinition("ix_lapse_episode_group") { Columns = ReportRollups.GroupKey });

        var revenue = new Table(Revenue);
        revenue.AddColumn<string>("tenant_id").AsPrimaryKey();
        revenue.AddColumn<string>("episode_id").AsPrimaryKey();
        revenue.AddColumn<string>("currency").AsPrimaryKey();
        revenue.AddColumn<long>("amount").NotNull();

        options.Storage.ExtendedSchemaObjects.Add(episodes);
        options.Storage.ExtendedSchemaObjects.Add(revenue);
        ReportRollups.Configure(options);
    }

    /// <summary>
    /// Queues the upsert of every episode of the customer whose row differs from what <paramref name="before"/> gave it (all of them
    /// when there was nothing before), with its reward's figures, into the projection's transaction; returns those episodes.
    /// </summary>
    public static IReadOnlyList<EpisodeFacts> Write(IDocumentOperations operations, string tenantId, Customer customer, Customer? before)
    {
        var changed = customer.Episodes.Where(e => before?.Episodes.FirstOrDefault(b => b.EpisodeId == e.EpisodeId) is not { } was
                                                   || Row.Of(before, was) != Row.Of(customer, e)).ToList();
        foreach (var episode in changed)
        {
            var reward = episode.RewardId is { } id ? customer.Reward(id) : null;
            var credit = reward is { IsCredit: true };
            operations.QueueSqlCommand(
                $"""
                 insert into {Episodes} (tenant_id, episode_id, customer_id, rule_id, rule_version, variant, lapsed_at, lapse_date,
                   churn_reason, attributes, withheld, reward_id, reward_currency, reward_issued, reward_redeemed, reward_expired,
                   reward_outstanding, returned_at, days_to_return, orders_after_return, relapsed_at)
                 values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 on conflict (tenant_id, episode_id) do update set withheld = excluded.withheld, reward_id = excluded.reward_id,
                   reward_currency = excluded.reward_currency, reward_issued = excluded.reward_issued,
                   reward_redeemed = excluded.reward_redeemed, reward_expired = excluded.reward_expired,
                   reward_outstanding = excluded.reward_outstanding, returned_at = excluded.returned_at,
                   days_to_return = excluded.days_to_return, orders_after_return = excluded.orders_after_return,
                   relapsed_at = excluded.relapsed_at
                 where ({Episodes}.withheld, {Episodes}.reward_id, {Episodes}.reward_issued, {Episodes}.reward_redeemed,
                   {Episodes}.reward_expired, {Episodes}.reward_outstanding, {Episodes}.returned_at, {Episodes}.orders_after_return,
                   {Episodes}.relapsed_at)
                   is distinct from (excluded.withheld, excluded.reward_id, excluded.reward_issued, excluded.reward_redeemed,
                   excluded.reward_expired, excluded.reward_outstanding, excluded.returned_at, excluded.orders_after_return,
                   excluded.relapsed_at)
                 """,
                tenantId, episode.EpisodeId, customer.Id, episode.RuleId, episode.RuleVersion, episode.Variant, episode.LapsedAt,
                DateOnly.FromDateTime(episode.LapsedAt.UtcDateTime), Snake(episode.ChurnReason, ReportRollups.NoChurnReason),
                System.Text.Json.JsonSerializer.Serialize(episode.Attributes), Snake(episode.Withheld, DBNull.Value),
                (object?)reward?.Id ?? DBNull.Value, credit ? reward!.Issued.Currency! : DBNull.Value,
                credit ? reward!.Issued.Amount ?? 0 : 0L, credit ? reward!.Redeemed : 0L, credit ? reward!.Expired : 0L,
                credit && reward!.IsOpen ? reward.Remaining : 0L,
                (object?)episode.ReturnedAt ?? DBNull.Value, (object?)episode.DaysToReturn ?? DBNull.Value, episode.OrdersAfterReturn,
                (object?)episode.RelapsedAt ?? DBNull.Value);
            foreach (var (currency, amount) in episode.RevenueAfterReturn)
                operations.QueueSqlCommand(
                    $"insert into {Revenue} (tenant_id, episode_id, currency, amount) values (?, ?, ?, ?) " +
                    "on conflict (tenant_id, episode_id, currency) do update set amount = excluded.amount",
                    tenantId, episode.EpisodeId, currency, amount);
        }
        return changed;
    }

    /// <summary>What an episode's row holds that can change after the lapse; two folds that give the same need no write.</summary>
    private sealed record Row(WithheldReason? Withheld, string? RewardId, RewardStatus? RewardStatus, long Remaining, long Redeemed, long Expired,
        DateTimeOffset? ReturnedAt, int OrdersAfterReturn, DateTimeOffset? RelapsedAt, string Revenue)
    {
        public static Row Of(Customer customer, EpisodeFacts episode)
        {
            var reward = episode.RewardId is { } id ? customer.Reward(id) : null;
            return new Row(episode.Withheld, episode.RewardId, reward?.Status, reward?.Remaining ?? 0, reward?.Redeemed ?? 0, reward?.Expired ?? 0,
                episode.ReturnedAt, episode.OrdersAfterReturn, episode.RelapsedAt,
                string.Join(',', episode.RevenueAfterReturn.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}:{r.Value}")));
        }
    }

    // Stored as the API spells them, so that report rows can name them as they are.
    private static object Snake<T>(T? value, object none) where T : struct, Enum =>
        value is { } v ? StrictEnumConverter.WireName(v) : none;

    /// <summary>The churn reason as a report group names it.</summary>
    public static string ChurnReasonKey(ChurnReason? reason) => (string)Snake(reason, ReportRollups.NoChurnReason);
}
