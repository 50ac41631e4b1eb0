using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Moves;

/// <summary>Wakes this process's move worker when a move was just asked of it.</summary>
public sealed class MoveSignal : WakeSignal;

/// <summary>
/// Runs moves, one at a time per worker process: it claims the oldest open move nobody holds, keeps its lease while it works,
/// and records each step as it completes, so that a worker that dies mid-way leaves the move to the next one, which resumes at
/// the recorded step. A step that fails is tried again later (by any worker); before the flip, one that keeps failing (the
/// target is away, the copy differs) rolls the move back, and after the flip the move only goes forward.
/// </summary>
public sealed class MoveWorker(TenantMoves moves, MoveRun run, MoveSignal signal, IOptions<WinBackOptions> options, ILogger<MoveWorker> logger)
    : BackgroundService
{
    private readonly string _worker = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private MoveOptions Settings => options.Value.Moves;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TenantMove? move = null;
            try
            {
                move = await moves.ClaimAsync(_worker, Settings.Lease, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Could not look for moves ({Error}); trying again", e.Message);
            }
            try
            {
                if (move is not null)
                    await RunAsync(move, stoppingToken);
                else
                    await signal.WaitAsync(Settings.Poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task RunAsync(TenantMove move, CancellationToken stoppingToken)
    {
        using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var lease = KeepLeaseAsync(move.Id, held);
        try
        {
            while (!MoveStatus.Finished(move.Status))
            {
                var step = move.Step;
                var began = System.Diagnostics.Stopwatch.GetTimestamp();
                if (await NextAsync(move, held.Token) is not { } next)
                    return; // failed for now: released for a later try
                logger.LogInformation("Move {Move} of tenant {Tenant}: step {Step} took {Ms} ms", move.Id, move.TenantId, step,
                    (long)System.Diagnostics.Stopwatch.GetElapsedTime(began).TotalMilliseconds);
                if (!await moves.SaveAsync(next, _worker, held.Token))
                    return; // another worker holds it now
                move = next;
                if (Settings.PauseAfterStep == step)
                    await Task.Delay(Timeout.Infinite, held.Token);
            }
        }
        catch (OperationCanceledException) when (held.IsCancellationRequested)
        {
            // Stopping, or the lease was lost: what is recorded stands, and whoever holds the move next resumes there.
        }
        finally
        {
            await held.CancelAsync();
            await lease;
        }
    }

    // The move after its current step, or null when the step failed and the move was released for a later try.
    private async Task<TenantMove?> NextAsync(TenantMove move, CancellationToken ct)
    {
        TenantMove next;
        try
        {
            next = await run.StepAsync(move, _worker, ct);
            if (move.Step != MoveSteps.Rollback)
                next = next with { Failures = 0, Error = null }; // a failed try's reason goes once the step passes; a rollback's stays
        }
        catch (MoveCannotFinishException e)
        {
            logger.LogWarning("Move {Move} of tenant {Tenant} is rolled back: {Reason}", move.Id, move.TenantId, e.Message);
            return move with { Step = MoveSteps.Rollback, Failures = 0, Error = e.Message, Counts = e.Counts };
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not MoveLeaseLostException)
        {
            var failures = move.Failures + 1;
            var error = $"Step {move.Step} failed ({failures} in a row): {e.Message}";
            logger.LogWarning(e, "Move {Move} of tenant {Tenant}: {Error}", move.Id, move.TenantId, error);
            if (failures >= Settings.MaxFailures && move.Step == MoveSteps.Rollback)
                return move with { Status = MoveStatus.Failed, Error = $"{error} The move could not be rolled back; an operator must look at it." };
            if (failures >= Settings.MaxFailures && MoveSteps.BeforeFlip(move.Step))
                return move with { Step = MoveSteps.Rollback, Failures = 0, Error = $"{error} The move is rolled back." };
            await moves.SaveAsync(move with { Failures = failures, Error = error }, _worker, ct);
            await moves.ReleaseAsync(move.Id, _worker, TimeSpan.FromSeconds(Math.Min(30, failures * 2)), ct);
            return null;
        }
        // A rollback keeps the status it was reported under until it is done.
        return next.Step == MoveSteps.Rollback || MoveStatus.Finished(next.Status) ? next : next with { Status = MoveSteps.StatusOf(next.Step) };
    }

    // Renews the lease a few times per lease period; when another worker took the move, the work stops at once.
    private async Task KeepLeaseAsync(string moveId, CancellationTokenSource held)
    {
        while (!held.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Settings.Lease / 3, held.Token);
                if (!await moves.RenewAsync(moveId, _worker, Settings.Lease, held.Token))
                {
                    logger.LogWarning("Move {Move} was taken over by another worker; this one stops", moveId);
                    await held.CancelAsync();
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("Could not renew the lease of move {Move} ({Error})", moveId, e.Message);
            }
        }
    }
}
