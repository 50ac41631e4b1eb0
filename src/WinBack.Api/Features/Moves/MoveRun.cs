using System.Diagnostics;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using WinBack.Api.Features.Reports;
using WinBack.Api.Features.Stripe;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Features.Webhooks;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Idempotency;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Features.Moves;

/// <summary>
/// Runs one step of a move and says which comes next. Every step can run again after a crash anywhere in it: copies replace or
/// fill in what the target lacks, fences and marks are upserts, the flip writes the same values again.
/// <list type="number">
/// <item><b>copy</b>, <b>catch_up</b>: everything of the tenant to the target (<see cref="TenantCopier"/>), then what came
/// meanwhile, while the source keeps serving. The target holds the tenant (a fence that only holds its sends and jobs).
/// <b>verify_history</b>: the events copied so far, hashed on both sides while the source still serves.</item>
/// <item><b>freeze</b>: a fence on the source that refuses the tenant's writes (503 <c>tenant_moving</c>), then a wait for the
/// writes already past it. <b>drain_outboxes</b>: the source's webhook and Stripe outboxes reach the tenant's last event.
/// <b>final_copy</b>: what arrived since the catch-up; the target's copy mark covers every copied event.</item>
/// <item><b>verify</b>: once the target's report projection has read the copies, rows and checksums per table on both sides (of
/// the events, only those after the ones verify_history compared).</item>
/// <item><b>flip</b>: Marten's assignment and the master's row point at the target; every process reloads its map.</item>
/// <item><b>settle</b>: after the source's last sends ended (picked before the freeze, bounded by their timeouts), their
/// outcomes are carried over and the target releases the tenant's sends. <b>delete_source</b>: every row of the tenant goes
/// from the source, whose fence stays (a process that missed the flip is refused there, not served stale data).</item>
/// </list>
/// </summary>
public sealed class MoveRun(IDocumentStore store, TenantCopier copier, PlatformDatabase platform, TenantRouting routing,
    TenantStore tenants, TenantMoves moves, IOptions<WinBackOptions> options, ILogger<MoveRun> logger)
{
    private static readonly TimeSpan ProgressWait = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="move"/>'s current step; returns the move as it stands after it (not yet saved).</summary>
    public async Task<TenantMove> StepAsync(TenantMove move, string worker, CancellationToken ct)
    {
        var t = move.TenantId;
        switch (move.Step)
        {
            case MoveSteps.Copy or MoveSteps.CatchUp:
            {
                var copy = await copier.CopyAsync(t, move.FromShard, move.ToShard, move.Step == MoveSteps.Copy ? null : move.ThroughSequence, ct);
                return move with { Step = move.Step == MoveSteps.Copy ? MoveSteps.CatchUp : MoveSteps.VerifyHistory, ThroughSequence = copy.ThroughSequence, Counts = Counted(copy) };
            }
            case MoveSteps.VerifyHistory:
            {
                // The events copied so far, compared while writes still flow: inside the freeze only the later ones are hashed.
                var (verified, check) = await copier.VerifyHistoryAsync(t, move.FromShard, move.ToShard, move.ThroughSequence, ct);
                if (!check.Equal)
                    throw new MoveCannotFinishException($"The copy differs from the source in {Sql.EventsTable(store)}.",
                        new Dictionary<string, TableCount> { [Sql.EventsTable(store)] = new(check.Source, check.Target, false) });
                return move with { Step = MoveSteps.Freeze, Verified = verified };
            }
            case MoveSteps.Freeze:
            {
                await moves.MarkFrozenAsync(move.Id, ct);
                await using (var source = await OpenAsync(move.FromShard, ct))
                {
                    await TenantFence.RaiseAsync(source, t, refusesWrites: true, ct);
                    await TenantFence.DrainAsync(source, t, ct);
                }
                return move with { Step = MoveSteps.DrainOutboxes };
            }
            case MoveSteps.DrainOutboxes:
                await WaitForProgressAsync(move.FromShard, t, [WebhookOutbox.SubscriptionName + ":All", StripeOutbox.SubscriptionName + ":All"],
                    $"select coalesce(max(seq_id), 0) from {Sql.EventsTable(store)} where tenant_id = @tenant and {EventCopy.History()}", ct);
                return move with { Step = MoveSteps.FinalCopy };
            case MoveSteps.FinalCopy:
            {
                var copy = await copier.CopyAsync(t, move.FromShard, move.ToShard, move.ThroughSequence, ct);
                await using (var target = await OpenAsync(move.ToShard, ct))
                await using (var mark = Sql.Command(target, $"""
                    update {CopyMarks.TableName} set through_seq = (select coalesce(max(seq_id), 0) from {Sql.EventsTable(store)} where tenant_id = @tenant and {EventCopy.History()})
                    where tenant_id = @tenant
                    """, ("tenant", t)))
                    await mark.ExecuteNonQueryAsync(ct);
                return move with { Step = MoveSteps.Verify, ThroughSequence = copy.ThroughSequence, Counts = Counted(copy), OpenKeys = await OpenKeysAsync(move, ct) };
            }
            case MoveSteps.Verify:
            {
                // The report tables are the target's projection's work from the copied events: compared once it has read them all.
                await WaitForProgressAsync(move.ToShard, t, [ReportProjection.ProjectionName + ":All"],
                    $"select coalesce(through_seq, 0) from {CopyMarks.TableName} where tenant_id = @tenant", ct);
                var checks = await copier.VerifyAsync(t, move.FromShard, move.ToShard, move.Verified, ct);
                var counts = Counts(checks);
                if (checks.Where(c => !c.Value.Equal).Select(c => c.Key).ToList() is { Count: > 0 } unequal)
                    throw new MoveCannotFinishException($"The copy differs from the source in {string.Join(", ", unequal)}.", counts);
                return move with { Step = MoveSteps.Flip, Counts = counts };
            }
            case MoveSteps.Flip:
                return await FlipAsync(move, worker, ct);
            case MoveSteps.Settle:
                await SettleAsync(move, ct);
                return move with { Step = MoveSteps.DeleteSource };
            case MoveSteps.DeleteSource:
                await copier.DeleteFromAsync(t, move.FromShard, ct);
                await using (var source = await OpenAsync(move.FromShard, ct))
                    await TenantFence.RaiseAsync(source, t, refusesWrites: true, ct);
                return move with { Step = MoveSteps.Done, Status = MoveStatus.Succeeded };
            case MoveSteps.Rollback:
                await RollBackAsync(move, ct);
                return move with { Status = MoveStatus.RolledBack };
            default:
                throw new InvalidOperationException($"Move {move.Id} is at an unknown step '{move.Step}'.");
        }
    }

    // Marten's assignment first (it routes every session), then the master's row with the move's progress in one transaction,
    // which raises the routing version: every process reloads its map within a poll.
    private async Task<TenantMove> FlipAsync(TenantMove move, string worker, CancellationToken ct)
    {
        await store.Advanced.AddTenantToShardAsync(move.TenantId, move.ToShard, ct);
        var flipped = move with { Step = MoveSteps.Settle };
        await using (var master = await Sql.OpenPlatformAsync(platform, ct))
        {
            await using var transaction = await master.BeginTransactionAsync(ct);
            await TenantStore.SetShardAsync(master, move.TenantId, move.ToShard, ct);
            await TenantRouting.BumpAsync(master, ct);
            if (!await TenantMoves.SaveAsync(master, flipped with { Status = MoveSteps.StatusOf(flipped.Step) }, worker, ct))
                throw new MoveLeaseLostException(move.Id);
            await transaction.CommitAsync(ct);
        }
        await routing.ReloadNowAsync();
        logger.LogInformation("Tenant {Tenant} now served from shard {Shard}", move.TenantId, move.ToShard);
        return flipped;
    }

    // The source's last sends were picked before the freeze; once their timeouts passed they have ended, and their outcomes are
    // carried to the target's copies before the target may send the tenant's (so none goes out twice).
    private async Task SettleAsync(TenantMove move, CancellationToken ct)
    {
        var settleAfter = options.Value.Moves.SettleAfter ?? Max(options.Value.Webhooks.Timeout, options.Value.Stripe.Timeout) + TimeSpan.FromSeconds(5);
        var wait = await moves.UntilAfterFreezeAsync(move.Id, settleAfter, ct);
        // Also long enough that every process reloaded its map: the source is deleted next.
        wait = Max(wait, options.Value.Workers.RoutingPoll * 4);
        if (wait > TimeSpan.Zero)
            await Task.Delay(wait, ct);
        await using var from = await OpenAsync(move.FromShard, ct);
        await using var to = await OpenAsync(move.ToShard, ct);
        await SettleCopy.CarryOverAsync(from, to, move.TenantId, move.OpenKeys ?? [], ct);
        await TenantFence.LowerAsync(to, move.TenantId, ct);
        logger.LogInformation("Tenant {Tenant}'s sends settled on shard {Shard}", move.TenantId, move.ToShard);
    }

    // Before the flip the source still serves: what was copied goes, the source's fence comes down, writes go on there.
    private async Task RollBackAsync(TenantMove move, CancellationToken ct)
    {
        if ((await tenants.FindAsync(move.TenantId, ct))?.Shard != move.FromShard)
            throw new InvalidOperationException($"Tenant {move.TenantId} is no longer served from {move.FromShard}: the move cannot be rolled back.");
        try
        {
            await copier.DeleteFromAsync(move.TenantId, move.ToShard, ct);
        }
        catch (Exception e) when (Infrastructure.Errors.ProblemMapping.IsDatabaseUnavailable(e))
        {
            // The target is away (often why the move is rolled back): its copy is left there, fenced, unreferenced and harmless;
            // a later move to it replaces it. The tenant must not wait for that shard.
            logger.LogWarning("The copy of tenant {Tenant} on shard {Shard} is left there: the shard is away ({Error})", move.TenantId, move.ToShard, e.Message);
        }
        await using var source = await OpenAsync(move.FromShard, ct);
        await TenantFence.LowerAsync(source, move.TenantId, ct);
    }

    // Waits until the shard's named projections have read the tenant's events up to the sequence <paramref name="throughSql"/> reads.
    private async Task WaitForProgressAsync(string shard, string tenantId, IReadOnlyList<string> projections, string throughSql, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        await using var connection = await OpenAsync(shard, ct);
        while (true)
        {
            await using var command = Sql.Command(connection, $"""
                select count(*) from unnest(@names::text[]) n(name) left join {Sql.EventProgressionTable(store)} p on p.name = n.name
                where coalesce(p.last_seq_id, 0) < coalesce(({throughSql}), 0)
                """, ("names", projections.ToArray()), ("tenant", tenantId));
            if ((long)(await command.ExecuteScalarAsync(ct))! == 0)
                return;
            if (waited.Elapsed > ProgressWait)
                throw new TimeoutException($"Shard {shard}'s {string.Join(", ", projections)} did not reach tenant {tenantId}'s events within {ProgressWait.TotalSeconds} s (is a worker running?).");
            await Task.Delay(100, ct);
        }
    }

    // Requests still running when the final copy was taken hold their keys open on both sides; the settle step finishes them.
    private async Task<IReadOnlyList<string>> OpenKeysAsync(TenantMove move, CancellationToken ct)
    {
        await using var target = await OpenAsync(move.ToShard, ct);
        await using var command = Sql.Command(target, $"select key from {IdempotencyStore.TableName} where owner = @tenant and completed_at is null",
            ("tenant", move.TenantId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new List<string>();
        while (await reader.ReadAsync(ct))
            keys.Add(reader.GetString(0));
        return keys;
    }

    private Task<NpgsqlConnection> OpenAsync(string shard, CancellationToken ct) => copier.OpenAsync(shard, ct);

    private static Dictionary<string, TableCount> Counts(IReadOnlyDictionary<string, TableCheck> checks) =>
        checks.ToDictionary(c => c.Key, c => new TableCount(c.Value.Source, c.Value.Target, c.Value.Equal));

    private static IReadOnlyDictionary<string, TableCount> Counted(TenantCopy copy) =>
        copy.Rows.ToDictionary(r => r.Key, r => new TableCount(null, r.Value, null));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

/// <summary>A move that cannot go on as it is (its copy differs from the source): rolled back at once, with the counts that show why.</summary>
public sealed class MoveCannotFinishException(string message, IReadOnlyDictionary<string, TableCount> counts) : Exception(message)
{
    public IReadOnlyDictionary<string, TableCount> Counts { get; } = counts;
}

public sealed class MoveLeaseLostException(string moveId) : Exception($"Move {moveId} is no longer held by this worker.");
