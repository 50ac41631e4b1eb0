using Marten;
using Marten.Storage;
using Npgsql;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Reports;

/// <summary>
/// Pre-aggregated report figures per group of episodes (tenant, rule, variant, lapse day, churn reason), so that a
/// report sums a few thousand rows instead of a million episodes. The report projection's episode writes only mark their group
/// dirty (one row per group, upserted once per batch); a refresh recomputes the dirty groups from the episode rows. The
/// worker refreshes every few seconds, and every report refreshes its tenant first, so a report includes every episode row the
/// projection has committed before it was asked. Refreshes of one tenant take
/// turns on a transaction-scoped lock, so a slower refresh can never overwrite a newer one. Sums are taken in numeric; a
/// group whose money sums past the 64-bit range (only amounts stored before they were bounded get there) is left out and
/// parked with its reason (<see cref="Loop"/>), which reports list, instead of failing the refresh of everyone.
/// </summary>
[Published]
public static class ReportRollups
{
    public const string NoChurnReason = "none";
    /// <summary>The loop name under which groups that cannot be summed are parked (unit: rule/variant/lapse day/churn reason).</summary>
    public const string Loop = "report_group";
    /// <summary>The loop name of the worker's refresh of one tenant.</summary>
    public const string RefreshLoop = "report_refresh";
    public static readonly string[] GroupKey = ["tenant_id", "rule_id", "variant", "lapse_date", "churn_reason"];
    private const string Schema = MartenSetup.SchemaName;
    public const string Dirty = Schema + ".report_dirty";
    public const string Counts = Schema + ".report_rollup";
    public const string Money = Schema + ".report_rollup_money";
    public const string Days = Schema + ".report_rollup_days";
    public const string Returns = Schema + ".report_rollup_returns";
    public const string ReturnRevenue = Schema + ".report_rollup_return_revenue";

    public static void Configure(StoreOptions options)
    {
        // A mark per group (the shard column is left from when many writers marked groups; the projection writes shard 0).
        var dirty = Keyed(Dirty, [("shard", typeof(int))]);
        options.Storage.ExtendedSchemaObjects.Add(dirty);
        options.Storage.ExtendedSchemaObjects.Add(Keyed(Counts, "episodes", "treated", "treated_returned", "held_out", "held_out_returned",
            "rewarded", "returned", "withheld_holdout", "withheld_budget", "withheld_cooldown", "withheld_per_customer_cap", "withheld_ineligible",
            "kept_30", "kept_60", "kept_90"));
        options.Storage.ExtendedSchemaObjects.Add(Keyed(Money, [("currency", typeof(string))], "revenue", "treated_revenue", "held_out_revenue", "issued",
            "redeemed", "expired", "outstanding"));
        // Whole days from lapse to return, for the median.
        options.Storage.ExtendedSchemaObjects.Add(Keyed(Days, [("days", typeof(int))], "returned"));
        // Returns per UTC day, and how many of them had not lapsed again 30, 60 and 90 days later. Reports read only the
        // last 90 days of it (by the return-day index) and subtract them from the all-time counts in the main rollup.
        var returns = Keyed(Returns, [("return_date", typeof(DateOnly))], "returned", "kept_30", "kept_60", "kept_90");
        returns.Indexes.Add(new IndexDefinition("ix_report_rollup_returns_day") { Columns = ["tenant_id", "return_date"] });
        options.Storage.ExtendedSchemaObjects.Add(returns);
        var returnRevenue = Keyed(ReturnRevenue, [("return_date", typeof(DateOnly)), ("currency", typeof(string))], "revenue");
        returnRevenue.Indexes.Add(new IndexDefinition("ix_report_rollup_return_revenue_day") { Columns = ["tenant_id", "return_date"] });
        options.Storage.ExtendedSchemaObjects.Add(returnRevenue);
    }

    /// <summary>The tables of the rollups and their dirty marks: emptied when the report projection is rebuilt.</summary>
    public static readonly string[] Tables = [Dirty, Counts, Money, Days, Returns, ReturnRevenue];

    /// <summary>A report group's key within a tenant.</summary>
    public sealed record Group(string RuleId, string Variant, DateOnly LapseDate, string ChurnReason)
    {
        public static Group Of(EpisodeFacts episode) => new(episode.RuleId, episode.Variant, DateOnly.FromDateTime(episode.LapsedAt.UtcDateTime),
            LapseEpisodeTable.ChurnReasonKey(episode.ChurnReason));
    }

    /// <summary>
    /// Marks the group for the next refresh, in the projection's transaction. The upsert locks a mark that is already there, so
    /// a refresh that is taking it waits for this transaction and then reads its episodes; a mark a refresh has just taken
    /// makes this one wait, then is written again for the next refresh. Either way no episode write is left out of a rollup.
    /// </summary>
    public static void MarkDirty(IDocumentOperations operations, string tenantId, Group group) =>
        operations.QueueSqlCommand(
            $"""
             insert into {Dirty} (tenant_id, rule_id, variant, lapse_date, churn_reason, shard) values (?, ?, ?, ?, ?, 0)
             on conflict (tenant_id, rule_id, variant, lapse_date, churn_reason, shard) do update set shard = excluded.shard
             """,
            Key(tenantId, group));

    private static object[] Key(string tenantId, Group group) => [tenantId, group.RuleId, group.Variant, group.LapseDate, group.ChurnReason];

    /// <summary>Recomputes the tenant's dirty groups; returns how many there were.</summary>
    public static async Task<int> RefreshAsync(IDocumentStore store, BackgroundHealth health, string tenantId, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        return await RefreshAsync(connection, health, tenantId, ct);
    }

    private static async Task<int> RefreshAsync(NpgsqlConnection connection, BackgroundHealth health, string tenantId, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await TransactionLocks.TakeAsync(connection, [LockKeys.Reports(tenantId)], ct);
        // The marks go first: a group written after this statement is marked again and refreshed next time.
        var taken = new NpgsqlCommand(
            $"""
             with taken as (delete from {Dirty} where tenant_id = @tenant returning rule_id, variant, lapse_date, churn_reason)
             select distinct * from taken
             """, connection);
        taken.Parameters.AddWithValue("tenant", tenantId);
        var groups = new Groups([], [], [], []);
        await using (taken)
        await using (var reader = await taken.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                groups.Add(reader.Get<string>("rule_id"), reader.Get<string>("variant"), reader.Get<DateOnly>("lapse_date"), reader.Get<string>("churn_reason"));
        if (groups.Count > 0)
        {
            Task Execute(string sql) => ExecuteAsync(connection, sql, tenantId, ct, groups.Parameters);
            await DeleteRollupsAsync(connection, tenantId, groups, ct);
            const string group = "g.rule_id = e.rule_id and g.variant = e.variant and g.lapse_date = e.lapse_date and g.churn_reason = e.churn_reason";
            const string keys = "e.tenant_id, e.rule_id, e.variant, e.lapse_date, e.churn_reason";
            const string treated = "e.variant <> 'holdout'";
            var from = $"from {Refreshing} join {LapseEpisodeTable.Episodes} e on e.tenant_id = @tenant and {group}";
            await Execute($"""
                insert into {Counts} select {keys}, count(*), count(*) filter (where {treated}),
                  count(*) filter (where {treated} and e.returned_at is not null), count(*) filter (where not {treated}),
                  count(*) filter (where not {treated} and e.returned_at is not null), count(e.reward_id), count(e.returned_at),
                  count(*) filter (where e.withheld = 'holdout'), count(*) filter (where e.withheld = 'budget'),
                  count(*) filter (where e.withheld = 'cooldown'), count(*) filter (where e.withheld = 'per_customer_cap'),
                  count(*) filter (where e.withheld = 'ineligible'), {Kept(30)}, {Kept(60)}, {Kept(90)}
                {from} group by {keys}
                """);
            // Money is summed in numeric; sums within bigint are stored, and the groups of any other are collected.
            var unsummable = new Dictionary<string, string>();
            await CollectUnsummableAsync(connection, tenantId, groups, unsummable, $"""
                with sums as (
                  select tenant_id, rule_id, variant, lapse_date, churn_reason, currency, sum(revenue) as revenue,
                    coalesce(sum(revenue) filter (where variant <> 'holdout'), 0) as treated_revenue,
                    coalesce(sum(revenue) filter (where variant = 'holdout'), 0) as held_out_revenue,
                    sum(issued) as issued, sum(redeemed) as redeemed, sum(expired) as expired, sum(outstanding) as outstanding
                  from (
                    select {keys}, e.reward_currency as currency, 0::bigint as revenue, e.reward_issued as issued,
                      e.reward_redeemed as redeemed, e.reward_expired as expired, e.reward_outstanding as outstanding
                    {from} where e.reward_currency is not null
                    union all
                    select {keys}, v.currency, v.amount, 0, 0, 0, 0
                    {from} join {LapseEpisodeTable.Revenue} v on v.tenant_id = e.tenant_id and v.episode_id = e.episode_id
                  ) m
                  group by 1, 2, 3, 4, 5, 6
                ), checked as (
                  select *, greatest(abs(revenue), abs(treated_revenue), abs(held_out_revenue)) as revenue_size,
                    greatest(abs(issued), abs(redeemed), abs(expired), abs(outstanding)) as cost_size from sums
                ), stored as (
                  insert into {Money} select tenant_id, rule_id, variant, lapse_date, churn_reason, currency, revenue, treated_revenue,
                    held_out_revenue, issued, redeemed, expired, outstanding
                  from checked where revenue_size <= {long.MaxValue} and cost_size <= {long.MaxValue} returning 1
                )
                select rule_id, variant, lapse_date, churn_reason, currency,
                  case when revenue_size > {long.MaxValue} then 'revenue after return' else 'reward cost' end as sum_name,
                  greatest(revenue_size, cost_size)::text as size
                from checked where revenue_size > {long.MaxValue} or cost_size > {long.MaxValue}
                """, ct);
            await Execute($"""
                insert into {Days} select {keys}, floor(e.days_to_return)::int, count(*)
                {from} where e.returned_at is not null group by {keys}, 6
                """);
            await Execute($"""
                insert into {Returns} select {keys}, (e.returned_at at time zone 'UTC')::date, count(*),
                  {Kept(30)}, {Kept(60)}, {Kept(90)}
                {from} where e.returned_at is not null group by {keys}, 6
                """);
            await CollectUnsummableAsync(connection, tenantId, groups, unsummable, $"""
                with sums as (
                  select {keys}, (e.returned_at at time zone 'UTC')::date as return_date, v.currency, sum(v.amount) as revenue
                  {from} join {LapseEpisodeTable.Revenue} v on v.tenant_id = e.tenant_id and v.episode_id = e.episode_id
                  where e.returned_at is not null group by {keys}, 6, 7
                ), stored as (
                  insert into {ReturnRevenue} select * from sums where abs(revenue) <= {long.MaxValue} returning 1
                )
                select rule_id, variant, lapse_date, churn_reason, currency, 'revenue after return on one day' as sum_name, abs(revenue)::text as size
                from sums where abs(revenue) > {long.MaxValue}
                """, ct);
            // A group that cannot be summed is left out whole, and parked with its reason; the others are unparked if they were.
            if (unsummable.Count > 0)
                await DeleteRollupsAsync(connection, tenantId, groups.Where(unsummable.ContainsKey), ct);
            foreach (var (unit, reason) in unsummable)
                await health.ParkAsync(Loop, tenantId, unit, reason, ct, connection);
            await health.ClearAsync(Loop, tenantId, groups.Units.Where(u => !unsummable.ContainsKey(u)).ToList(), ct, connection);
        }
        await transaction.CommitAsync(ct);
        return groups.Count;
    }

    /// <summary>The tenants on the shard that have dirty groups; the worker refreshes each as a unit of its own.</summary>
    public static async Task<IReadOnlyList<string>> DirtyTenantsAsync(IMartenDatabase shard, CancellationToken ct)
    {
        var tenants = new List<string>();
        await using var connection = await Sql.OpenDatabaseAsync(shard, ct);
        await using var command = Sql.Command(connection, $"select distinct tenant_id from {Dirty}");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            tenants.Add(reader.Get<string>("tenant_id"));
        return tenants;
    }

    /// <summary>A group as a parked unit's id: rule/variant/lapse day/churn reason (none of them holds a slash).</summary>
    public static string UnitOf(string ruleId, string variant, DateOnly lapseDate, string churnReason) =>
        $"{ruleId}/{variant}/{lapseDate:yyyy-MM-dd}/{churnReason}";

    // The groups, as a table for the statements of a refresh.
    private const string Refreshing = "unnest(@rules, @variants, @dates, @reasons) as g(rule_id, variant, lapse_date, churn_reason)";

    private static async Task DeleteRollupsAsync(NpgsqlConnection connection, string tenantId, Groups groups, CancellationToken ct)
    {
        foreach (var table in new[] { Counts, Money, Days, Returns, ReturnRevenue })
            await ExecuteAsync(connection, $"""
                delete from {table} r using {Refreshing} where r.tenant_id = @tenant and g.rule_id = r.rule_id and g.variant = r.variant
                  and g.lapse_date = r.lapse_date and g.churn_reason = r.churn_reason
                """, tenantId, ct, groups.Parameters);
    }

    // Runs a statement that stores what it can and answers the sums it could not: group, currency, which sum (sum_name), its value (size).
    private static async Task CollectUnsummableAsync(NpgsqlConnection connection, string tenantId, Groups groups, Dictionary<string, string> found,
        string sql, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, sql, [("tenant", tenantId), .. groups.Parameters]);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            found.TryAdd(UnitOf(reader.Get<string>("rule_id"), reader.Get<string>("variant"), reader.Get<DateOnly>("lapse_date"), reader.Get<string>("churn_reason")),
                $"The {reader.Get<string>("sum_name")} of this group in {reader.Get<string>("currency")} sums to {reader.Get<string>("size")} minor units, past the largest " +
                $"a report can hold ({long.MaxValue}); it holds amounts stored before amounts were bounded to {Domain.Common.Money.MaxAmount}. " +
                "The group is left out of reports until its episodes change.");
    }

    /// <summary>Report groups as parallel lists, bound as arrays for <see cref="Refreshing"/>.</summary>
    private sealed record Groups(List<string> Rules, List<string> Variants, List<DateOnly> Dates, List<string> Reasons)
    {
        public int Count => Rules.Count;

        public IEnumerable<string> Units => Rules.Select((r, i) => UnitOf(r, Variants[i], Dates[i], Reasons[i]));

        public (string, object?)[] Parameters =>
            [("rules", Rules.ToArray()), ("variants", Variants.ToArray()), ("dates", Dates.ToArray()), ("reasons", Reasons.ToArray())];

        public void Add(string rule, string variant, DateOnly date, string reason)
        {
            Rules.Add(rule);
            Variants.Add(variant);
            Dates.Add(date);
            Reasons.Add(reason);
        }

        public Groups Where(Func<string, bool> unit)
        {
            var kept = new Groups([], [], [], []);
            for (var i = 0; i < Count; i++)
                if (unit(UnitOf(Rules[i], Variants[i], Dates[i], Reasons[i])))
                    kept.Add(Rules[i], Variants[i], Dates[i], Reasons[i]);
            return kept;
        }
    }

    // Returned, and not lapsed again within `days` of the return.
    private static string Kept(int days) =>
        $"count(*) filter (where e.returned_at is not null and (e.relapsed_at is null or e.relapsed_at > e.returned_at + interval '{days} days'))";

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, string tenantId, CancellationToken ct,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Sql.Command(connection, sql, [("tenant", tenantId), ..parameters]);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static Table Keyed(string name, params string[] counters) => Keyed(name, Array.Empty<(string, Type)>(), counters);

    private static Table Keyed(string name, (string Name, Type Type)[] extraKeys, params string[] counters)
    {
        var table = new Table(name);
        table.AddColumn<string>("tenant_id").AsPrimaryKey();
        table.AddColumn<string>("rule_id").AsPrimaryKey();
        table.AddColumn<string>("variant").AsPrimaryKey();
        table.AddColumn<DateOnly>("lapse_date").AsPrimaryKey();
        table.AddColumn<string>("churn_reason").AsPrimaryKey();
        foreach (var (column, type) in extraKeys)
            table.AddColumn(column, Weasel.Postgresql.PostgresqlProvider.Instance.GetDatabaseType(type, Weasel.Core.EnumStorage.AsString)).AsPrimaryKey();
        foreach (var counter in counters)
            table.AddColumn<long>(counter).NotNull().DefaultValue(0);
        return table;
    }
}
