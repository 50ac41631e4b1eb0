using Marten;
using Npgsql;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Reports;

/// <summary>
/// Pre-aggregated report figures per group of episodes (tenant, rule, variant, lapse day, churn reason), so that a
/// report sums a few thousand rows instead of a million episodes. Episode writes only mark their group dirty (an
/// insert that does nothing when the mark exists: no lock held on a hot row in the write path); a refresh recomputes
/// the dirty groups from the episode rows. The worker refreshes every few seconds, and every report refreshes its
/// tenant first, so a report still includes every event committed before it was asked. Refreshes of one tenant take
/// turns on a transaction-scoped lock, so a slower refresh can never overwrite a newer one. Sums are taken in numeric; a
/// group whose money sums past the 64-bit range (only amounts stored before they were bounded get there) is left out and
/// parked with its reason (<see cref="Loop"/>), which reports list, instead of failing the refresh of everyone.
/// </summary>
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
        // A mark per group and shard: two writers marking the same group at once pick different shards, so neither
        // waits for the other's commit on the unique key.
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

    /// <summary>
    /// Marks the episode's group for the next refresh, in the episode write's transaction. A group already marked (the
    /// common case while a sweep writes) is left alone without touching its row.
    /// </summary>
    public static void MarkDirty(IDocumentOperations operations, string tenantId, EpisodeFacts episode) =>
        operations.QueueSqlCommand(
            $"""
             insert into {Dirty} (tenant_id, rule_id, variant, lapse_date, churn_reason, shard)
             select ?, ?, ?, ?, ?, ? where not exists (select 1 from {Dirty} d where d.tenant_id = ? and d.rule_id = ? and d.variant = ?
               and d.lapse_date = ? and d.churn_reason = ?)
             on conflict do nothing
             """,
            [.. Group(tenantId, episode), Random.Shared.Next(16), .. Group(tenantId, episode)]);

    private static object[] Group(string tenantId, EpisodeFacts episode) =>
        [tenantId, episode.RuleId, episode.Variant, DateOnly.FromDateTime(episode.LapsedAt.UtcDateTime), LapseEpisodeTable.ChurnReasonKey(episode.ChurnReason)];

    /// <summary>Recomputes the tenant's dirty groups; returns how many there were.</summary>
    public static async Task<int> RefreshAsync(IDocumentStore store, BackgroundHealth health, string tenantId, CancellationToken ct)
    {
        await using var connection = await Sql.OpenAsync(store, ct);
        return await RefreshAsync(connection, health, tenantId, ct);
    }

    private static async Task<int> RefreshAsync(NpgsqlConnection connection, BackgroundHealth health, string tenantId, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, "select pg_advisory_xact_lock(hashtextextended('reports/' || @tenant, 0))", tenantId, ct);
        // The marks go first: a group written after this statement is marked again and refreshed next time.
        var taken = new NpgsqlCommand(
            $"""
             with taken as (delete from {Dirty} where tenant_id = @tenant returning rule_id, variant, lapse_date, churn_reason)
             select distinct * from taken
             """, connection);
        taken.Parameters.AddWithValue("tenant", tenantId);
        var (rules, variants, dates, reasons) = (new List<string>(), new List<string>(), new List<DateOnly>(), new List<string>());
        await using (taken)
        await using (var reader = await taken.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                rules.Add(reader.GetString(0));
                variants.Add(reader.GetString(1));
                dates.Add(reader.GetFieldValue<DateOnly>(2));
                reasons.Add(reader.GetString(3));
            }
        var groups = rules.Count;
        // The groups, as a table for the statements below.
        const string refreshing = "unnest(@rules, @variants, @dates, @reasons) as g(rule_id, variant, lapse_date, churn_reason)";
        NpgsqlCommand Command(string sql) => Sql.Command(connection, sql, ("tenant", tenantId),
            ("rules", rules.ToArray()), ("variants", variants.ToArray()), ("dates", dates.ToArray()), ("reasons", reasons.ToArray()));
        async Task Execute(string sql)
        {
            await using var command = Command(sql);
            await command.ExecuteNonQueryAsync(ct);
        }
        if (groups > 0)
        {
            const string group = "g.rule_id = e.rule_id and g.variant = e.variant and g.lapse_date = e.lapse_date and g.churn_reason = e.churn_reason";
            const string keys = "e.tenant_id, e.rule_id, e.variant, e.lapse_date, e.churn_reason";
            const string treated = "e.variant <> 'holdout'";
            foreach (var table in new[] { Counts, Money, Days, Returns, ReturnRevenue })
                await Execute($"""
                    delete from {table} r using {refreshing} where r.tenant_id = @tenant and g.rule_id = r.rule_id and g.variant = r.variant
                      and g.lapse_date = r.lapse_date and g.churn_reason = r.churn_reason
                    """);
            var from = $"from {refreshing} join {LapseEpisodeTable.Episodes} e on e.tenant_id = @tenant and {group}";
            // Groups whose money cannot be summed into the rollups are parked and left out; the others are unparked if they were.
            await using (var check = Command(UnsummableSql(from)))
            {
                var unsummable = await UnsummableAsync(check, ct);
                foreach (var (unit, reason) in unsummable)
                    await health.ParkAsync(Loop, tenantId, unit, reason, ct, connection);
                var keep = Enumerable.Range(0, rules.Count).Where(i => !unsummable.ContainsKey(UnitOf(rules[i], variants[i], dates[i], reasons[i]))).ToList();
                (rules, variants, dates, reasons) = ([.. keep.Select(i => rules[i])], [.. keep.Select(i => variants[i])], [.. keep.Select(i => dates[i])],
                    [.. keep.Select(i => reasons[i])]);
            }
            await health.ClearAsync(Loop, tenantId, rules.Select((r, i) => UnitOf(r, variants[i], dates[i], reasons[i])).ToList(), ct, connection);
            await Execute($"""
                insert into {Counts} select {keys}, count(*), count(*) filter (where {treated}),
                  count(*) filter (where {treated} and e.returned_at is not null), count(*) filter (where not {treated}),
                  count(*) filter (where not {treated} and e.returned_at is not null), count(e.reward_id), count(e.returned_at),
                  count(*) filter (where e.withheld = 'holdout'), count(*) filter (where e.withheld = 'budget'),
                  count(*) filter (where e.withheld = 'cooldown'), count(*) filter (where e.withheld = 'per_customer_cap'),
                  count(*) filter (where e.withheld = 'ineligible'), {Kept(30)}, {Kept(60)}, {Kept(90)}
                {from} group by {keys}
                """);
            await Execute($"""
                insert into {Money}
                select tenant_id, rule_id, variant, lapse_date, churn_reason, currency, sum(revenue),
                  coalesce(sum(revenue) filter (where variant <> 'holdout'), 0), coalesce(sum(revenue) filter (where variant = 'holdout'), 0),
                  sum(issued), sum(redeemed), sum(expired), sum(outstanding)
                from (
                  select {keys}, e.reward_currency as currency, 0::bigint as revenue, e.reward_issued as issued,
                    e.reward_redeemed as redeemed, e.reward_expired as expired, e.reward_outstanding as outstanding
                  {from} where e.reward_currency is not null
                  union all
                  select {keys}, v.currency, v.amount, 0, 0, 0, 0
                  {from} join {LapseEpisodeTable.Revenue} v on v.tenant_id = e.tenant_id and v.episode_id = e.episode_id
                ) m
                group by 1, 2, 3, 4, 5, 6
                """);
            await Execute($"""
                insert into {Days} select {keys}, floor(e.days_to_return)::int, count(*)
                {from} where e.returned_at is not null group by {keys}, 6
                """);
            await Execute($"""
                insert into {Returns} select {keys}, (e.returned_at at time zone 'UTC')::date, count(*),
                  {Kept(30)}, {Kept(60)}, {Kept(90)}
                {from} where e.returned_at is not null group by {keys}, 6
                """);
            await Execute($"""
                insert into {ReturnRevenue} select {keys}, (e.returned_at at time zone 'UTC')::date, v.currency, sum(v.amount)
                {from} join {LapseEpisodeTable.Revenue} v on v.tenant_id = e.tenant_id and v.episode_id = e.episode_id
                where e.returned_at is not null group by {keys}, 6, 7
                """);
        }
        await transaction.CommitAsync(ct);
        return groups;
    }

    /// <summary>The tenants that have dirty groups; the worker refreshes each as a unit of its own.</summary>
    public static async Task<IReadOnlyList<string>> DirtyTenantsAsync(IDocumentStore store, CancellationToken ct)
    {
        await using var connection = await Sql.OpenAsync(store, ct);
        await using var command = Sql.Command(connection, $"select distinct tenant_id from {Dirty}");
        var tenants = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            tenants.Add(reader.GetString(0));
        return tenants;
    }

    /// <summary>A group as a parked unit's id: rule/variant/lapse day/churn reason (none of them holds a slash).</summary>
    public static string UnitOf(string ruleId, string variant, DateOnly lapseDate, string churnReason) =>
        $"{ruleId}/{variant}/{lapseDate:yyyy-MM-dd}/{churnReason}";

    // Every money sum the rollups store, taken in numeric: the ones past bigint, with their group.
    private static string UnsummableSql(string from)
    {
        const string groupKeys = "e.rule_id, e.variant, e.lapse_date, e.churn_reason";
        const string revenue = $"join {LapseEpisodeTable.Revenue} v on v.tenant_id = e.tenant_id and v.episode_id = e.episode_id";
        return $"""
            select rule_id, variant, lapse_date, churn_reason, what, currency, total::text from (
              select {groupKeys}, 'reward cost' as what, e.reward_currency as currency, greatest(abs(sum(e.reward_issued)),
                abs(sum(e.reward_redeemed)), abs(sum(e.reward_expired)), abs(sum(e.reward_outstanding))) as total
              {from} where e.reward_currency is not null group by {groupKeys}, e.reward_currency
              union all
              select {groupKeys}, 'revenue after return', v.currency, greatest(abs(sum(v.amount)),
                abs(coalesce(sum(v.amount) filter (where e.variant <> 'holdout'), 0)), abs(coalesce(sum(v.amount) filter (where e.variant = 'holdout'), 0)))
              {from} {revenue} group by {groupKeys}, v.currency
              union all
              select {groupKeys}, 'revenue after return on one day', v.currency, abs(sum(v.amount))
              {from} {revenue} where e.returned_at is not null group by {groupKeys}, (e.returned_at at time zone 'UTC')::date, v.currency
            ) sums where total > {long.MaxValue}
            """;
    }

    /// <returns>Each group that cannot be summed, with the first sum that is too large.</returns>
    private static async Task<Dictionary<string, string>> UnsummableAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var found = new Dictionary<string, string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            found.TryAdd(UnitOf(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateOnly>(2), reader.GetString(3)),
                $"The {reader.GetString(4)} of this group in {reader.GetString(5)} sums to {reader.GetString(6)} minor units, past the largest " +
                $"a report can hold ({long.MaxValue}); it holds amounts stored before amounts were bounded to {Domain.Common.Money.MaxAmount}. " +
                "The group is left out of reports until its episodes change.");
        return found;
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
